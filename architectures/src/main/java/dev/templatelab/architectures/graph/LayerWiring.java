package dev.templatelab.architectures.graph;

import java.util.Collection;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What DL4J's own layer configurations do in {@code instantiate} after creating the run-time layer, for
 * TemplateLab's layer configurations that substitute their own run-time class.
 */
final class LayerWiring {

    private LayerWiring() {
    }

    static <L extends Layer> L wire(L layer, org.deeplearning4j.nn.conf.layers.Layer conf, NeuralNetConfiguration netConf,
                                               Collection<TrainingListener> listeners, int layerIndex,
                                               INDArray paramsView, boolean initializeParams) {
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(conf.initializer().init(netConf, paramsView, initializeParams));
        layer.setConf(netConf);
        return layer;
    }
}
