package dev.templatelab.architectures.graph;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's max pooling, computed the same way, whose run-time layer runs on oneDNN's vectorised max pooling when
 * DL4J would use its oneDNN helper ({@link PoolingOnOneDnn}). Every max pool of the templates is one of these.
 */
public class MaxPooling extends SubsamplingLayer {

    /** For JSON deserialisation. */
    public MaxPooling() {
    }

    public MaxPooling(int kernel, int stride, int padding) {
        this(kernel, stride, padding, ConvolutionMode.Truncate);
    }

    /** With {@code mode} {@link ConvolutionMode#Same}: TensorFlow's SAME max pooling ({@code padding} 0). */
    public MaxPooling(int kernel, int stride, int padding, ConvolutionMode mode) {
        super(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(kernel, kernel).stride(stride, stride)
                .padding(padding, padding).convolutionMode(mode));
        if (mode == ConvolutionMode.Same && padding != 0) {
            throw new IllegalArgumentException("a SAME-padded pool computes its padding; got padding " + padding);
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new PoolingOnOneDnn(conf, networkDataType), this, conf, listeners, layerIndex,
                paramsView, initializeParams);
    }
}
