package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.runtime.OneDnnReluLayer;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A ReLU activation layer: DL4J's {@code ActivationLayer} with ReLU, whose run-time layer is
 * {@link OneDnnReluLayer} (oneDNN's ReLU on the fast path, no copies; DL4J's code otherwise). In the templates
 * these are the ReLUs after residual sums; a ReLU after a batch norm is part of the batch norm's layer
 * ({@link GraphCursor#batchNormRelu}), and networks saved before that have one of these there instead.
 */
public class ReluActivation extends ActivationLayer {

    public ReluActivation() {
        super(new ActivationLayer.Builder().activation(Activation.RELU));
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        return LayerWiring.wire(new OneDnnReluLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }
}
