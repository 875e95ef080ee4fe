package dev.templatelab.architectures.runtime;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.PointerScope;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.graph.vertex.impl.MergeVertex;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keeps a network's activations in oneDNN's channel-blocked layout ({@code nChw8c} on AVX2, {@code nChw16c} on
 * AVX-512: {@link OneDnn#CHANNEL_BLOCK}) from one layer to the next wherever every layer that writes or reads them
 * runs on oneDNN, instead of converting to plain NCHW after each layer and back before the next.
 *
 * <p>Why: oneDNN's convolution, batch norm and pooling all compute on such blocks. With plain NCHW between
 * layers, each converted its input in and its output back (and the same again for the gradients): 19 % of a
 * BN-Inception training step at 224 px, batch 8, went to these conversions (JFR, README "Performance").
 *
 * <p>How: with a multiple of the block's channels, both layouts take the same memory, so an activation keeps its
 * INDArray shape {@code [N, C, H, W]} and only the order of its elements differs. {@link #apply} decides once per network
 * which activations are held blocked, and tells every layer that computes per channel or per pixel ({@link Aware}:
 * convolution, batch norm, pooling, zero padding) how its input and output are held. The rest need no telling:
 * <ul>
 *   <li>a ReLU or a residual sum computes per element, in either layout alike;</li>
 *   <li>a channel concatenation (Inception) of inputs with whole blocks of channels copies, per example, each
 *       input's channels as one contiguous run in both layouts, and its backward slices the same runs.</li>
 * </ul>
 * An activation is held blocked only when every layer that writes or reads it is one of these; the network's
 * input and outputs and everything else (global pooling, dense layers) see plain NCHW. A network not passed
 * through {@link #apply} holds everything plain. To read a blocked activation from {@code feedForward}, convert
 * it with {@link #plain}.
 *
 * <p>Measured in one process, the same network with and without this, alternated (224 px, batch 8, training
 * step, AVX2, 8-channel blocks): BN-Inception +24-26 %, Inception-v2 +29 %, ResNet-50 +18 %, ResNeXt-50 +19 %.
 */
public final class BlockedActivations {

    private BlockedActivations() {
    }

    /** How many channels a block holds on this machine: 16 on AVX-512, 8 on AVX2 ({@link OneDnn#CHANNEL_BLOCK}). */
    public static int channelBlock() {
        return OneDnn.CHANNEL_BLOCK;
    }

    /** A layer that computes per channel and can read and write channel blocks. */
    public interface Aware {
        /** Whether this layer runs on oneDNN in a way that can hold its activations blocked. */
        boolean canRunBlocked();

        /** How this layer's input and output are held from now on: blocked (true) or plain NCHW. */
        void runBlocked(boolean input, boolean output);

        /** Whether this layer's output is held blocked (as {@link #runBlocked} last said). */
        boolean holdsBlockedOutput();
    }

    /** What a vertex does with the layout of its activations. */
    private enum Kind {
        /** Computes per channel on oneDNN and is told the layouts ({@link Aware}). */
        AWARE,
        /** Does not care: per element, or a channel concatenation. Its input and output share one layout. */
        AGNOSTIC,
        /** Needs plain NCHW. */
        PLAIN
    }

    /**
     * Decides which activations of {@code net} are held blocked and tells its layers. Nothing is held blocked
     * when the oneDNN helpers are off or the network is not float. Call it again after changing the graph.
     *
     * @return the vertices whose output is now held blocked
     */
    public static Set<String> apply(ComputationGraph net) {
        GraphVertex[] vertices = net.getVertices();
        int n = vertices.length;
        boolean active = Nd4jRuntime.oneDnnHelpersActive() && net.getConfiguration().getDataType() == DataType.FLOAT;
        Kind[] kind = new Kind[n];
        Aware[] aware = new Aware[n];
        for (GraphVertex v : vertices) {
            int i = v.getVertexIndex();
            aware[i] = active ? awareLayer(v) : null;
            kind[i] = aware[i] != null ? Kind.AWARE : active && agnostic(net, v) ? Kind.AGNOSTIC : Kind.PLAIN;
        }
        long[] channels = channels(net, vertices);

        // An agnostic vertex's output and inputs are held alike: one group ("region") per layout decision.
        int[] region = new int[n];
        for (int i = 0; i < n; i++) {
            region[i] = i;
        }
        for (GraphVertex v : vertices) {
            if (kind[v.getVertexIndex()] == Kind.AGNOSTIC) {
                for (VertexIndices in : inputs(v)) {
                    union(region, v.getVertexIndex(), in.getVertexIndex());
                }
            }
        }
        boolean[] plain = new boolean[n];
        for (GraphVertex v : vertices) {
            int i = v.getVertexIndex();
            boolean blockable = kind[i] != Kind.PLAIN && !v.isOutputVertex() && channels[i] > 0
                    && channels[i] % OneDnn.CHANNEL_BLOCK == 0;
            for (VertexIndices out : outputs(v)) {
                blockable &= kind[out.getVertexIndex()] != Kind.PLAIN;
            }
            if (!blockable) {
                plain[find(region, i)] = true;
            }
        }

        Set<String> blocked = new TreeSet<>();
        for (GraphVertex v : vertices) {
            int i = v.getVertexIndex();
            boolean outputBlocked = !plain[find(region, i)];
            if (outputBlocked) {
                blocked.add(v.getVertexName());
            }
            if (aware[i] != null) {
                VertexIndices[] in = inputs(v);
                boolean inputBlocked = in.length == 1 && !plain[find(region, in[0].getVertexIndex())];
                aware[i].runBlocked(inputBlocked, outputBlocked);
            }
        }
        return Collections.unmodifiableSet(blocked);
    }

    /**
     * The vertices of {@code net} whose output is held blocked (none unless {@link #apply} ran on it), as its layers
     * say: a layer that computes per channel knows how it holds its output, and a vertex that does not care holds
     * its output as its inputs are held.
     */
    public static Set<String> blockedVertices(ComputationGraph net) {
        GraphVertex[] vertices = net.getVertices();
        boolean[] blocked = new boolean[vertices.length];
        Set<String> names = new TreeSet<>();
        for (int i : net.topologicalSortOrder()) {
            GraphVertex v = vertices[i];
            Aware aware = heldBy(v);
            VertexIndices[] in = inputs(v);
            blocked[i] = aware != null ? aware.holdsBlockedOutput()
                    : in.length > 0 && agnostic(net, v) && blocked[in[0].getVertexIndex()];
            if (blocked[i]) {
                names.add(v.getVertexName());
            }
        }
        return names;
    }

    /**
     * Vertex {@code vertex}'s output as plain NCHW, e.g. from {@code feedForward}: {@code activation} itself when
     * the vertex's output is held plain, else a converted copy.
     */
    public static INDArray plain(ComputationGraph net, String vertex, INDArray activation) {
        return relayout(activation, blockedVertices(net).contains(vertex), false, null, null);
    }

    /**
     * {@code activation} converted from one layout to the other (itself when they are the same), into an array of
     * {@code workspaceMgr}'s {@code type}, or detached without a manager: for a layer that hands blocked activations
     * to code that reads plain NCHW.
     */
    public static INDArray relayout(INDArray activation, boolean fromBlocked, boolean toBlocked,
                                    LayerWorkspaceMgr workspaceMgr, ArrayType type) {
        if (fromBlocked == toBlocked) {
            return activation;
        }
        INDArray from = OneDnn.dense(activation);
        INDArray to = workspaceMgr == null ? Nd4j.createUninitialized(from.dataType(), from.shape(), 'c')
                : workspaceMgr.createUninitialized(type, from.dataType(), from.shape(), 'c');
        try (PointerScope scope = new PointerScope(); stream stream = new stream(OneDnn.CPU)) {
            memory source = OneDnn.bind(OneDnn.activation(from.shape(), fromBlocked), from);
            memory target = OneDnn.bind(OneDnn.activation(to.shape(), toBlocked), to);
            new reorder(source, target).execute(stream, source, target);
            stream._wait();
        }
        return to;
    }

    /**
     * The vertex's layer as an {@link Aware} one that can run blocked, or null: it runs elsewhere, or has a
     * preprocessor in front.
     */
    private static Aware awareLayer(GraphVertex v) {
        Aware aware = heldBy(v);
        if (aware == null || v instanceof LayerVertex lv && lv.getLayerPreProcessor() != null) {
            return null;
        }
        if (v.getLayer() instanceof BatchNormalization bn) {
            org.deeplearning4j.nn.conf.layers.BatchNormalization conf =
                    (org.deeplearning4j.nn.conf.layers.BatchNormalization) bn.conf().getLayer();
            boolean runs = !conf.isLockGammaBeta() && conf.getCnn2DFormat() == CNN2DFormat.NCHW
                    && bn.getDataType() == DataType.FLOAT;
            return runs && aware.canRunBlocked() ? aware : null;
        }
        return aware.canRunBlocked() ? aware : null;
    }

    /** What holds the vertex's layouts: its layer, or for a batch norm the layer's oneDNN helper; else null. */
    private static Aware heldBy(GraphVertex v) {
        if (!v.hasLayer()) {
            return null;
        }
        Layer layer = v.getLayer();
        if (layer instanceof Aware a) {
            return a;
        }
        return layer instanceof BatchNormalization bn && bn.getHelper() instanceof OneDnnBatchNormHelper helper
                ? helper : null;
    }

    /** A ReLU, a sum, or a concatenation along the channels (checked for whole blocks with the channels). */
    private static boolean agnostic(ComputationGraph net, GraphVertex v) {
        if (v.hasLayer()) {
            return v.getLayer() instanceof OneDnnReluLayer && ((LayerVertex) v).getLayerPreProcessor() == null;
        }
        var conf = net.getConfiguration().getVertices().get(v.getVertexName());
        if (conf instanceof ElementWiseVertex sum) {
            return sum.getOp() == ElementWiseVertex.Op.Add;
        }
        return v instanceof MergeVertex && conf instanceof org.deeplearning4j.nn.conf.graph.MergeVertex merge
                && merge.getMergeAxis() == 1;
    }

    /**
     * Each vertex's output channels as far as the configuration tells them (-1: unknown): a layer's {@code nOut}
     * (convolution, batch norm), a concatenation's sum, otherwise its first input's (ReLU, pooling, padding, sums).
     */
    private static long[] channels(ComputationGraph net, GraphVertex[] vertices) {
        long[] channels = new long[vertices.length];
        for (int i : net.topologicalSortOrder()) {
            GraphVertex v = vertices[i];
            VertexIndices[] in = inputs(v);
            if (v.hasLayer() && v.getLayer().conf().getLayer() instanceof FeedForwardLayer ff && ff.getNOut() > 0) {
                channels[i] = ff.getNOut();
            } else if (in.length == 0) {
                channels[i] = -1;
            } else if (v instanceof MergeVertex) {
                long sum = 0;
                for (VertexIndices input : in) {
                    long c = channels[input.getVertexIndex()];
                    sum = sum < 0 || c < 0 ? -1 : sum + c;
                }
                channels[i] = sum;
            } else {
                channels[i] = channels[in[0].getVertexIndex()];
            }
        }
        return channels;
    }

    /** The vertex's inputs (none for a network input: DL4J gives null). */
    static VertexIndices[] inputs(GraphVertex v) {
        return v.getInputVertices() == null ? new VertexIndices[0] : v.getInputVertices();
    }

    /** The vertices that read this one's output (none for a network output: DL4J gives null). */
    static VertexIndices[] outputs(GraphVertex v) {
        return v.getOutputVertices() == null ? new VertexIndices[0] : v.getOutputVertices();
    }

    private static int find(int[] region, int i) {
        while (region[i] != i) {
            region[i] = region[region[i]];
            i = region[i];
        }
        return i;
    }

    private static void union(int[] region, int a, int b) {
        region[find(region, a)] = find(region, b);
    }
}
