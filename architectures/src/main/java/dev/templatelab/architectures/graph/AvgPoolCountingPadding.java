package dev.templatelab.architectures.graph;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Average pooling whose divisor counts the padded zeros (Caffe; PyTorch {@code count_include_pad=True}),
 * always computed by DL4J's built-in pooling.
 *
 * <p>Why: in DL4J 1.0.0-M2.1 the oneDNN pooling helper's backward pass ignores this divisor mode and
 * returns the exclude-padding gradient, while its forward pass is right. Measured against finite
 * differences ({@code HelperParityTest}): built-in path correct, helper off by up to ~2x at the borders.
 * Every other pooling, convolution and batch-norm configuration the templates use matches on the helper
 * path and keeps it. Drop this class when a DL4J release fixes the helper.
 */
public class AvgPoolCountingPadding extends SubsamplingLayer {

    /** For JSON deserialisation. */
    public AvgPoolCountingPadding() {
    }

    public AvgPoolCountingPadding(int kernel, int stride, int padding) {
        super(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(kernel, kernel).stride(stride, stride)
                .padding(padding, padding).avgPoolIncludePadInDivisor(true));
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new BuiltIn(conf, networkDataType), this, conf, listeners, layerIndex, paramsView,
                initializeParams);
    }

    /** DL4J's pooling layer with its helper removed right after construction. */
    static final class BuiltIn extends org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer {
        BuiltIn(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
            helper = null;
        }
    }
}
