package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.runtime.OneDnnAddReluVertex;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A residual sum and the ReLU after it as one vertex, {@code max(a + b, 0)}: the end of every ResNet / ResNeXt
 * bottleneck ({@link GraphCursor#addRelu}), and of older graphs' sums once {@code InferenceNetwork} joins them.
 * Its run-time vertex ({@link OneDnnAddReluVertex}) makes one pass forward and one backward where DL4J's sum and
 * ReLU layer make three and three (the sum copies its first input, then adds the second, then the ReLU; backward
 * the ReLU's gradient, then one copy of it for each input).
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
