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
 * DL4J's average pooling, computed the same way, whose run-time layer runs on oneDNN's vectorised pooling when
 * the oneDNN helpers are on ({@link PoolingOnOneDnn}). {@code includePadInDivisor}: whether the divisor counts the
 * padded zeros (Caffe's BN-Inception, PyTorch {@code count_include_pad=True}) or not (TF's SAME). Every average
 * pool of the templates is one of these; checkpoints saved before use {@link AvgPoolCountingPadding} or DL4J's
 * layer and still load.
 */
public class AveragePooling extends SubsamplingLayer {

    /** For JSON deserialisation. */
    public AveragePooling() {
    }

    public AveragePooling(int kernel, int stride, int padding, boolean includePadInDivisor) {
        super(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(kernel, kernel).stride(stride, stride)
                .padding(padding, padding).avgPoolIncludePadInDivisor(includePadInDivisor));
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new PoolingOnOneDnn(conf, networkDataType), this, conf, listeners, layerIndex,
                paramsView, initializeParams);
    }
}
