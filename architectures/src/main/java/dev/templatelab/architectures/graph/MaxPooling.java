package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.runtime.OneDnnMaxPoolHelper;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's max pooling, computed the same way, whose run-time layer runs on {@link OneDnnMaxPoolHelper} when
 * DL4J would use its oneDNN helper (oneDNN's vectorised max pooling; see there). Every max pool of the
 * templates is one of these.
 */
public class MaxPooling extends SubsamplingLayer {

    /** For JSON deserialisation. */
    public MaxPooling() {
    }

    public MaxPooling(int kernel, int stride, int padding) {
        super(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(kernel, kernel).stride(stride, stride)
                .padding(padding, padding));
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new OnOneDnn(conf, networkDataType), this, conf, listeners, layerIndex, paramsView,
                initializeParams);
    }

    /**
     * DL4J's pooling layer with its oneDNN helper fronted by {@link OneDnnMaxPoolHelper}. DL4J's layer (M2.1)
     * only uses a helper for the backward pass and always runs libnd4j's op forward; this one asks the helper
     * first, so the forward runs on oneDNN too and leaves the workspace the helper's backward needs.
     */
    static final class OnOneDnn extends org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer {
        OnOneDnn(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
            if (helper instanceof MKLDNNSubsamplingHelper) {
                helper = new OneDnnMaxPoolHelper((SubsamplingHelper) helper);
            }
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
            if (helper instanceof OneDnnMaxPoolHelper oneDnn && input != null) {
                SubsamplingLayer conf = layerConf();
                INDArray out = oneDnn.activate(input.castTo(dataType), training, conf.getKernelSize(),
                        conf.getStride(), conf.getPadding(), conf.getPoolingType(), convolutionMode,
                        conf.getDilation(), conf.getCnn2dDataFormat(), workspaceMgr);
                if (out != null) {
                    return out;
                }
            }
            return super.activate(training, workspaceMgr);
        }
    }
}
