package dev.templatelab.architectures.inference;

import dev.templatelab.architectures.runtime.OneDnnAddReluVertex;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A residual sum and the ReLU after it, as one vertex of an inference network ({@link InferenceNetwork}):
 * {@code max(a + b, 0)}. Its run-time vertex ({@link OneDnnAddReluVertex}) makes one pass where the trained
 * network makes three (DL4J's add copies its first input, then adds the second; the ReLU makes a third pass).
 */
public class AddRelu extends ElementWiseVertex {

    public AddRelu() {
        super(Op.Add);
    }

    @Override
    public AddRelu clone() {
        return new AddRelu();
    }

    @Override
    public GraphVertex instantiate(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                   boolean initializeParams, DataType networkDatatype) {
        return new OneDnnAddReluVertex(graph, name, idx, networkDatatype);
    }
}
