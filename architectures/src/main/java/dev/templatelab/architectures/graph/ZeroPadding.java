package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.runtime.OneDnnZeroPaddingLayer;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's zero padding (TF SAME's extra row and column, Caffe's ceil-mode pooling), whose run-time layer pads on
 * oneDNN ({@link OneDnnZeroPaddingLayer}), in either activation layout. Every padding layer of the templates is
 * one of these.
 */
public class ZeroPadding extends ZeroPaddingLayer {

    /** For JSON deserialisation. */
    public ZeroPadding() {
    }

    public ZeroPadding(int top, int bottom, int left, int right) {
        super(top, bottom, left, right);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new OneDnnZeroPaddingLayer(conf, networkDataType), this, conf, listeners, layerIndex,
                paramsView, initializeParams);
    }
}
