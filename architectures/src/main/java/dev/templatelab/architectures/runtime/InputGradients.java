package dev.templatelab.architectures.runtime;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;

/**
 * Stops the layers that read the network's input (the stem convolution) from computing their input gradient:
 * the gradient with respect to the images, which training never reads.
 *
 * <p>Why: DL4J computes every layer's input gradient and then drops the one for the network input. For the
 * 7x7 stem convolution on 3 channels that backward-data pass is as costly as the forward and runs on one of
 * oneDNN's slowest kernels: 36 ms of a BN-Inception training step (224 px, batch 8), on top of the 23 ms of its
 * weight gradient. PyTorch skips it too (images need no gradient).
 *
 * <p>What changes: such a layer's {@code backpropGradient} returns a null input gradient on every path, so
 * {@code ComputationGraph.backpropGradient(...)}, which returns the input gradients, gives null for a network
 * input. DL4J accepts a null there: the gradient of an input vertex is stored, never propagated.
 */
public final class InputGradients {

    private InputGradients() {
    }

    /** A layer that can leave its input gradient out of the backward pass. */
    public interface Skippable {
        /** Whether this layer's input gradient is unused from now on (true: the backward returns null for it). */
        void skipInputGradient(boolean skip);
    }

    /**
     * Tells every layer of {@code net} that reads only network inputs, and can skip it, that its input gradient
     * is unused; where another vertex also reads that input, nothing is skipped for it (DL4J sums the gradients
     * of an input read twice and cannot add a null). Call it again after changing the graph.
     *
     * @return the vertices that now skip their input gradient
     */
    public static Set<String> skipAtNetworkInputs(ComputationGraph net) {
        Set<String> skipped = new TreeSet<>();
        for (GraphVertex v : net.getVertices()) {
            if (v.hasLayer() && v.getLayer() instanceof Skippable layer) {
                boolean skip = readsOnlyNetworkInputs(net, v);
                layer.skipInputGradient(skip);
                if (skip) {
                    skipped.add(v.getVertexName());
                }
            }
        }
        return Collections.unmodifiableSet(skipped);
    }

    /** A layer without an input preprocessor, whose inputs are network inputs that nothing else reads. */
    private static boolean readsOnlyNetworkInputs(ComputationGraph net, GraphVertex v) {
        VertexIndices[] inputs = BlockedActivations.inputs(v);
        if (!(v instanceof LayerVertex layer) || layer.getLayerPreProcessor() != null || inputs.length == 0) {
            return false;
        }
        for (VertexIndices in : inputs) {
            GraphVertex input = net.getVertices()[in.getVertexIndex()];
            if (!input.isInputVertex() || BlockedActivations.outputs(input).length != 1) {
                return false;
            }
        }
        return true;
    }
}
