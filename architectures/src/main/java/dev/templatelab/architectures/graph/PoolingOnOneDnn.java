package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.runtime.OneDnnPoolHelper;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
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
final class PoolingOnOneDnn extends org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer {

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
        }
        return super.activate(training, workspaceMgr);
    }
}
