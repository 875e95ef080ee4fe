package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.runtime.BlockedActivations;
import dev.templatelab.architectures.runtime.OneDnnPoolHelper;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The run-time layer of the templates' pooling layers ({@link MaxPooling}, {@link AveragePooling}): DL4J's
 * pooling layer with {@link OneDnnPoolHelper} in front of its oneDNN helper. DL4J's layer (M2.1) only uses a
 * helper for the backward pass and always runs libnd4j's op forward; this one asks the helper first, so the
 * forward runs on oneDNN too (and for max pooling leaves the workspace the helper's backward needs). An average
 * pool whose divisor counts the padding gets no DL4J helper behind it: DL4J's gets that backward wrong
 * ({@link AvgPoolCountingPadding}).
 */
final class PoolingOnOneDnn extends org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer
        implements BlockedActivations.Aware {

    PoolingOnOneDnn(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        SubsamplingLayer pooling = (SubsamplingLayer) conf.getLayer();
        boolean countsPadding = pooling.getPoolingType() == PoolingType.AVG && pooling.isAvgPoolIncludePadInDivisor();
        if (helper instanceof MKLDNNSubsamplingHelper) {
            helper = new OneDnnPoolHelper(countsPadding ? null : (SubsamplingHelper) helper, countsPadding);
        } else if (countsPadding) {
            helper = null;
        }
    }

    /**
     * Max or average pooling of float NCHW with explicit padding (or max pooling with SAME padding) and no
     * dilation, on {@link OneDnnPoolHelper}.
     */
    @Override
    public boolean canRunBlocked() {
        SubsamplingLayer conf = layerConf();
        return helper instanceof OneDnnPoolHelper && dataType == DataType.FLOAT
                && (conf.getPoolingType() == PoolingType.MAX || conf.getPoolingType() == PoolingType.AVG)
                && conf.getCnn2dDataFormat() == CNN2DFormat.NCHW
                && (convolutionMode != ConvolutionMode.Same || conf.getPoolingType() == PoolingType.MAX)
                && conf.getDilation()[0] == 1 && conf.getDilation()[1] == 1;
    }

    @Override
    public void runBlocked(boolean input, boolean output) {
        ((OneDnnPoolHelper) helper).runBlocked(input, output);
    }

    @Override
    public boolean holdsBlockedOutput() {
        return helper instanceof OneDnnPoolHelper oneDnn && oneDnn.blockedOutput();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (helper instanceof OneDnnPoolHelper oneDnn && input != null) {
            SubsamplingLayer conf = layerConf();
            INDArray out = oneDnn.activate(input.castTo(dataType), training, conf.getKernelSize(), conf.getStride(),
                    conf.getPadding(), conf.getPoolingType(), convolutionMode, conf.getDilation(),
                    conf.getCnn2dDataFormat(), workspaceMgr);
            if (out != null) {
                return out;
            }
            if (oneDnn.blockedInput() || oneDnn.blockedOutput()) {
                INDArray pooled = onPlainInput(oneDnn, ArrayType.FF_WORKING_MEM, workspaceMgr,
                        () -> super.activate(training, workspaceMgr));
                return BlockedActivations.relayout(pooled, false, oneDnn.blockedOutput(), workspaceMgr,
                        ArrayType.ACTIVATIONS);
            }
        }
        return super.activate(training, workspaceMgr);
    }

    /**
     * What oneDNN does not run (a last window that stops short of the edge, say) runs on DL4J's pooling, which
     * reads and writes plain NCHW: the blocked activations are converted for it.
     */
    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (helper instanceof OneDnnPoolHelper oneDnn && input != null && !oneDnn.ranLastForward()
                && (oneDnn.blockedInput() || oneDnn.blockedOutput())) {
            INDArray plainEpsilon = BlockedActivations.relayout(epsilon, oneDnn.blockedOutput(), false, workspaceMgr,
                    ArrayType.BP_WORKING_MEM);
            Pair<Gradient, INDArray> result = onPlainInput(oneDnn, ArrayType.BP_WORKING_MEM, workspaceMgr,
                    () -> super.backpropGradient(plainEpsilon, workspaceMgr));
            return new Pair<>(result.getFirst(), BlockedActivations.relayout(result.getSecond(), false,
                    oneDnn.blockedInput(), workspaceMgr, ArrayType.ACTIVATION_GRAD));
        }
        return super.backpropGradient(epsilon, workspaceMgr);
    }

    /** Runs {@code pass} (DL4J's pooling) with the layer's input converted to plain NCHW, in {@code scratch}. */
    private <T> T onPlainInput(OneDnnPoolHelper oneDnn, ArrayType scratch, LayerWorkspaceMgr workspaceMgr,
                               Supplier<T> pass) {
        INDArray held = input;
        try {
            input = BlockedActivations.relayout(held, oneDnn.blockedInput(), false, workspaceMgr, scratch);
            return pass.get();
        } finally {
            input = held;
        }
    }
}
