package dev.templatelab.architectures.runtime;

import java.util.Arrays;
import java.util.Map;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The run-time vertex of {@code AddRelu}: {@code max(a + b, 0)} for two inputs of one shape, in one pass of
 * oneDNN's binary add with a ReLU post-op on the fast path; otherwise DL4J's add, then a ReLU in place.
 * Inference only: it has no backward pass.
 */
public final class OneDnnAddReluVertex extends ElementWiseVertex {

    private final boolean onOneDnn = Nd4jRuntime.oneDnnHelpersActive();
    private final OneDnn.ByShape<Primitive> byShape = new OneDnn.ByShape<>();

    public OneDnnAddReluVertex(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
        super(graph, name, vertexIndex, Op.Add, dataType);
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("Cannot do forward pass: inputs not set");
        }
        if (!runsOnOneDnn()) {
            return Transforms.relu(super.doForward(training, workspaceMgr), false);
        }
        INDArray a = OneDnn.dense(inputs[0]);
        INDArray b = OneDnn.dense(inputs[1]);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, a.shape(), 'c');
        Primitive p = byShape.get(Arrays.toString(a.shape()), () -> new Primitive(a.shape()));
        p.addRelu.run(byShape.stream(), Map.of(dnnl.DNNL_ARG_SRC_0, a, dnnl.DNNL_ARG_SRC_1, b, dnnl.DNNL_ARG_DST, out));
        return out;
    }

    private boolean runsOnOneDnn() {
        return onOneDnn && inputs.length == 2 && dataType == DataType.FLOAT && inputs[0].dataType() == DataType.FLOAT
                && inputs[1].dataType() == DataType.FLOAT && inputs[0].rank() <= 4
                && Arrays.equals(inputs[0].shape(), inputs[1].shape());
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        throw new IllegalStateException("vertex " + getVertexName() + " adds and rectifies for an inference network "
                + "(InferenceNetwork), which cannot be trained; train the network it was made from");
    }

    /** oneDNN's binary add with a ReLU post-op, for one shape. */
    private static final class Primitive implements OneDnn.Primitives {
        final memory.desc data;
        final OneDnn.Call addRelu;

        Primitive(long[] shape) {
            data = OneDnn.rowMajor(shape);
            try (post_ops relu = new post_ops(); primitive_attr attr = new primitive_attr()) {
                relu.append_eltwise(1f, dnnl.algorithm.eltwise_relu.value, 0f, 0f);
                attr.set_post_ops(relu);
                addRelu = new OneDnn.Call(new binary(new binary.primitive_desc(
                        new binary.desc(dnnl.algorithm.binary_add.value, data, data, data), attr, OneDnn.CPU)),
                        Map.of(dnnl.DNNL_ARG_SRC_0, data, dnnl.DNNL_ARG_SRC_1, data, dnnl.DNNL_ARG_DST, data));
            }
        }

        @Override
        public void close() {
            addRelu.close();
            data.close();
        }
    }
}
