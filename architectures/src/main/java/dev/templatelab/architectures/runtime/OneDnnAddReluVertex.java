package dev.templatelab.architectures.runtime;

import java.util.Arrays;
import java.util.Map;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The run-time vertex of {@code AddRelu}: {@code max(a + b, 0)}, trainable.
 *
 * <p>On the fast path the forward is one pass of oneDNN's binary add with a ReLU post-op (two float inputs of one
 * shape; otherwise DL4J's sum, then a ReLU in place), and the backward one pass of oneDNN's ReLU backward from the
 * output (the gradient passes where the output is positive; libnd4j's {@code relu_bp} off the fast path). A sum
 * hands its gradient unchanged to every input, so that one array is every input's gradient, where DL4J's sum
 * hands each input a copy.
 *
 * <p>Handing several inputs one array is safe while nothing writes into it before every input has read it. Only
 * inputs whose backward reads its gradient and hands on a new one share it ({@link #handsOnNewGradients}):
 * convolutions, batch norms, pools, ReLU layers and other {@code AddRelu} vertices; the rest get a copy. DL4J
 * itself writes into a gradient, though: when a vertex feeds several others, it adds their gradients for it in
 * place, into the first one it was given. Where that could happen to the shared array too early, an input gets a
 * copy ({@link #sharesGradient}).
 */
public final class OneDnnAddReluVertex extends ElementWiseVertex {

    private final boolean onOneDnn = Nd4jRuntime.oneDnnHelpersActive();
    private final OneDnn.ByShape<Primitive> byShape = new OneDnn.ByShape<>();
    /** The last training forward's output: the backward's mask. */
    private INDArray output;
    /** Per input, whether it may be handed the shared gradient array itself; decided on the first backward. */
    private boolean[] sharing;

    public OneDnnAddReluVertex(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
        super(graph, name, vertexIndex, Op.Add, dataType);
    }

    /**
     * Whether input {@code input} is handed the gradient array itself in the backward pass (else a copy of it).
     * Needs the network's vertices, so ask once the network is made.
     */
    public boolean sharesGradientWithInput(int input) {
        return sharesGradient()[input];
    }

    /** Whether this vertex runs on oneDNN (decided when the vertex is made, as DL4J decides its helpers). */
    public boolean onOneDnn() {
        return onOneDnn;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("Cannot do forward pass: inputs not set");
        }
        INDArray out;
        if (runsOnOneDnn()) {
            INDArray a = OneDnn.dense(inputs[0]);
            INDArray b = OneDnn.dense(inputs[1]);
            out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, a.shape(), 'c');
            primitive(a.shape()).addRelu.run(byShape.stream(),
                    Map.of(dnnl.DNNL_ARG_SRC_0, a, dnnl.DNNL_ARG_SRC_1, b, dnnl.DNNL_ARG_DST, out));
        } else {
            out = Transforms.relu(super.doForward(training, workspaceMgr), false);    // the sum's new array
        }
        output = training ? out : null;
        return out;
    }

    private boolean runsOnOneDnn() {
        return onOneDnn && inputs.length == 2 && dataType == DataType.FLOAT && inputs[0].dataType() == DataType.FLOAT
                && inputs[1].dataType() == DataType.FLOAT && inputs[0].rank() <= 4
                && Arrays.equals(inputs[0].shape(), inputs[1].shape());
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward()) {
            throw new IllegalStateException("Cannot do backward pass: errors not set");
        }
        if (output == null) {
            throw new IllegalStateException("vertex " + getVertexName() + ": backward pass without a forward pass in "
                    + "training mode");
        }
        INDArray gradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, output.dataType(),
                output.shape(), 'c');
        if (onOneDnn && output.dataType() == DataType.FLOAT && epsilon.dataType() == DataType.FLOAT
                && output.rank() <= 4 && OneDnn.isRowMajor(output)) {
            primitive(output.shape()).reluBackward.run(byShape.stream(), Map.of(dnnl.DNNL_ARG_DST, output,
                    dnnl.DNNL_ARG_DIFF_DST, OneDnn.dense(epsilon), dnnl.DNNL_ARG_DIFF_SRC, gradient));
        } else {
            // relu_bp passes the gradient where its first argument is positive: the output is where the sum is
            Nd4j.exec(new RectifiedLinearDerivative(output, epsilon, gradient));
        }
        boolean[] share = sharesGradient();
        INDArray[] gradients = new INDArray[inputs.length];
        for (int i = 0; i < gradients.length; i++) {
            gradients[i] = share[i] ? gradient : workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, gradient);
        }
        return new Pair<>(null, gradients);
    }

    /**
     * Which inputs can share the gradient array. DL4J runs the backward in reverse topological order, and gives
     * input S's gradient to S as it is, unless S already had one (then it adds it into that). If S also feeds a
     * vertex C between another sharing input R and this vertex in topological order, C's backward runs after this
     * vertex's and before R's, and DL4J then adds C's gradient for S in place into the shared array that R has yet
     * to read. Such pairs do not share. In a ResNet block neither happens: the shortcut S feeds only the block's
     * first convolution besides this sum, and that precedes R (the last batch norm).
     */
    private boolean[] sharesGradient() {
        if (sharing == null) {
            int[] order = graph.topologicalSortOrder();
            int[] position = new int[order.length];
            for (int p = 0; p < order.length; p++) {
                position[order[p]] = p;
            }
            VertexIndices[] in = getInputVertices();
            sharing = new boolean[in.length];
            for (int i = 0; i < in.length; i++) {
                sharing[i] = handsOnNewGradients(graph.getVertices()[in[i].getVertexIndex()]);
                for (int j = 0; j < i && sharing[i]; j++) {
                    sharing[i] = !sharing[j] || !addsIntoTooEarly(in[i], in[j], position)
                            && !addsIntoTooEarly(in[j], in[i], position);
                }
            }
        }
        return sharing;
    }

    /**
     * A vertex known to leave the gradient it is given as it is and to hand on a new one: not a view of it (a
     * reshape would), which DL4J could add into in place further down. Anything else gets a copy.
     */
    private static boolean handsOnNewGradients(GraphVertex vertex) {
        if (vertex instanceof OneDnnAddReluVertex) {
            return true;
        }
        if (!(vertex instanceof LayerVertex layerVertex) || layerVertex.getLayerPreProcessor() != null) {
            return false;
        }
        Layer layer = layerVertex.getLayer();
        return layer instanceof OneDnnConvolutionLayer || layer instanceof BatchNormalization
                || layer instanceof SubsamplingLayer || layer instanceof OneDnnReluLayer;
    }

    /** Whether a vertex besides this one reads {@code s} and lies between {@code r} and this in topological order. */
    private boolean addsIntoTooEarly(VertexIndices s, VertexIndices r, int[] position) {
        for (VertexIndices reader : BlockedActivations.outputs(graph.getVertices()[s.getVertexIndex()])) {
            int at = position[reader.getVertexIndex()];
            if (reader.getVertexIndex() != getVertexIndex() && at > position[r.getVertexIndex()]
                    && at < position[getVertexIndex()]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void clear() {
        super.clear();
        output = null;
    }

    private Primitive primitive(long[] shape) {
        return byShape.get(Arrays.toString(shape), () -> new Primitive(shape));
    }

    /** oneDNN's binary add with a ReLU post-op, and the ReLU's backward from its output, for one shape. */
    private static final class Primitive implements OneDnn.Primitives {
        final memory.desc data;
        final OneDnn.Call addRelu;
        final OneDnn.Call reluBackward;

        Primitive(long[] shape) {
            data = OneDnn.rowMajor(shape);
            try (post_ops relu = new post_ops(); primitive_attr attr = new primitive_attr()) {
                relu.append_eltwise(1f, dnnl.algorithm.eltwise_relu.value, 0f, 0f);
                attr.set_post_ops(relu);
                addRelu = new OneDnn.Call(new binary(new binary.primitive_desc(
                        new binary.desc(dnnl.algorithm.binary_add.value, data, data, data), attr, OneDnn.CPU)),
                        Map.of(dnnl.DNNL_ARG_SRC_0, data, dnnl.DNNL_ARG_SRC_1, data, dnnl.DNNL_ARG_DST, data));
            }
            int fromOutput = dnnl.algorithm.eltwise_relu_use_dst_for_bwd.value;
            // oneDNN makes a backward from its forward's description; this forward itself never runs
            try (eltwise_forward.primitive_desc hint = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                    dnnl.prop_kind.forward_training.value, fromOutput, data, 0f, 0f), OneDnn.CPU)) {
                reluBackward = new OneDnn.Call(new eltwise_backward(new eltwise_backward.primitive_desc(
                        new eltwise_backward.desc(fromOutput, data, data, 0f, 0f), OneDnn.CPU, hint)),
                        Map.of(dnnl.DNNL_ARG_DST, data, dnnl.DNNL_ARG_DIFF_DST, data, dnnl.DNNL_ARG_DIFF_SRC, data));
            }
        }

        @Override
        public void close() {
            reluBackward.close();
            addRelu.close();
            data.close();
        }
    }
}
