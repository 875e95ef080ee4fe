package dev.templatelab.architectures.runtime;

import java.util.Arrays;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.stream;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Max and average pooling on oneDNN's vectorised kernels, called directly, in front of DL4J's oneDNN pooling
 * helper (which keeps what this one does not run: windows cut off at the edge, other data types).
 *
 * <p>Why: DL4J's helper hands oneDNN plain NCHW arrays, for which oneDNN has only its reference pooling (one
 * function call per output element): ResNet-50's stem pool took 54 ms forward and 77 ms backward at batch 8.
 * oneDNN's vectorised pooling wants channel blocks ({@code nChw8c}, {@code nChw16c} on AVX-512); converting to
 * and from that layout around the pooling costs far less than it saves: 10 + 10 ms (README "Performance"). A max pool's
 * forward pass keeps oneDNN's record of each window's maximum (its workspace) for the backward pass, as
 * PyTorch keeps its indices. An average pool whose divisor counts the padding (Caffe's) has no DL4J helper to
 * fall back to: DL4J's gets its backward wrong ({@code AvgPoolCountingPadding}), so DL4J's built-in pooling
 * runs what this one does not. DL4J's pooling layer (M2.1) never calls a helper's forward; the templates'
 * pooling layers ({@code MaxPooling}, {@code AveragePooling}) do.
 */
public final class OneDnnPoolHelper implements SubsamplingHelper {

    private final SubsamplingHelper dl4j;
    private final boolean averageCountsPadding;
    private final OneDnn.ByShape<Primitives> byShape = new OneDnn.ByShape<>();
    private long passesOnOneDnn;
    private boolean ranLastForward;

    /**
     * @param dl4j                 DL4J's oneDNN pooling helper, which runs what this one does not; null: DL4J's
     *                             built-in pooling runs it
     * @param averageCountsPadding for average pools: whether the divisor counts the padded zeros
     */
    public OneDnnPoolHelper(SubsamplingHelper dl4j, boolean averageCountsPadding) {
        this.dl4j = dl4j;
        this.averageCountsPadding = averageCountsPadding;
    }

    /** Forward and backward passes this helper ran itself (the others went to DL4J's helper). */
    public long passesOnOneDnn() {
        return passesOnOneDnn;
    }

    /**
     * Holds the input and the output as channel blocks or plain ({@link BlockedActivations}). The pooling layer
     * says whether its configuration allows it.
     */
    public void runBlocked(boolean input, boolean output) {
        byShape.holdBlocked(input, output);
    }

    public boolean blockedInput() {
        return byShape.blockedInput();
    }

    public boolean blockedOutput() {
        return byShape.blockedOutput();
    }

    /** Whether the last forward pass ran here (else the layer's own pooling ran it). */
    public boolean ranLastForward() {
        return ranLastForward;
    }

    @Override
    public boolean checkSupported() {
        return dl4j == null || dl4j.checkSupported();
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return dl4j == null ? Map.of() : dl4j.helperMemoryUse();
    }

    @Override
    public INDArray activate(INDArray input, boolean training, int[] kernel, int[] strides, int[] pad,
                             PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation,
                             CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        Geometry g = Geometry.of(input, kernel, strides, pad, algorithm(poolingType), convolutionMode, dilation, format);
        ranLastForward = g != null;
        if (g == null) {
            return null;          // the layer runs its own forward (on plain NCHW: PoolingOnOneDnn)
        }
        INDArray x = OneDnn.dense(input);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, g.output(), 'c');
        primitives(g).forward(x, out, training, byShape.stream());
        passesOnOneDnn++;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides,
                                                     int[] pad, PoolingType poolingType,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        Geometry g = Geometry.of(input, kernel, strides, pad, algorithm(poolingType), convolutionMode, dilation, format);
        Primitives p = g == null ? null : byShape.find(g.key());    // made by this geometry's forward, if any
        if (g != null && (p == null || !p.holdsTrainingForward) && (byShape.blockedInput() || byShape.blockedOutput())) {
            throw new IllegalStateException("a pooling layer keeps its activations in oneDNN's blocked layout "
                    + "(BlockedActivations): its backward pass needs its forward pass in training mode first");
        }
        if (p == null || !p.holdsTrainingForward) {
            return dl4j == null ? null : dl4j.backpropGradient(input, epsilon, kernel, strides, pad, poolingType,
                    convolutionMode, dilation, format, workspaceMgr);      // null: DL4J's built-in pooling
        }
        INDArray gradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(),
                'c');
        p.backward(OneDnn.dense(epsilon), gradient, byShape.stream());
        passesOnOneDnn++;
        return new Pair<>(new DefaultGradient(), gradient);
    }

    private Primitives primitives(Geometry g) {
        return byShape.get(g.key(), () -> new Primitives(g, byShape.blockedInput(), byShape.blockedOutput()));
    }

    /** oneDNN's algorithm for a pooling type, or null for the types this helper does not run. */
    private dnnl.algorithm algorithm(PoolingType type) {
        return switch (type) {
            case MAX -> dnnl.algorithm.pooling_max;
            case AVG -> averageCountsPadding ? dnnl.algorithm.pooling_avg_include_padding
                    : dnnl.algorithm.pooling_avg_exclude_padding;
            default -> null;
        };
    }

    /**
     * A pooling this helper runs: max or average, float NCHW, no dilation, explicit padding (every pool of the
     * templates), or TF's SAME padding for max pooling; null for anything else. oneDNN takes the right/bottom
     * padding separately: what makes DL4J's output size come out, possibly less than the left/top one, or TF's
     * extra row and column at the bottom and right.
     */
    record Geometry(dnnl.algorithm algorithm, long[] input, long[] output, long[] kernel, long[] strides,
                    long[] padLeft, long[] padRight) {
        static Geometry of(INDArray x, int[] kernel, int[] strides, int[] pad, dnnl.algorithm algorithm,
                           ConvolutionMode mode, int[] dilation, CNN2DFormat format) {
            boolean same = mode == ConvolutionMode.Same;
            if (algorithm == null || x.dataType() != DataType.FLOAT || x.rank() != 4
                    || format != CNN2DFormat.NCHW || same && algorithm != dnnl.algorithm.pooling_max
                    || dilation[0] != 1 || dilation[1] != 1) {
                return null;
            }
            long[] in = x.shape();
            long[] out = {in[0], in[1], 0, 0};
            long[] padLeft = {pad[0], pad[1]};
            long[] padRight = new long[2];
            for (int d = 0; d < 2; d++) {
                if (same) {           // padded values never win a max, as TF's -inf padding
                    OneDnn.SamePadding sizes = OneDnn.SamePadding.of(in[2 + d], kernel[d], strides[d]);
                    out[2 + d] = sizes.output();
                    padLeft[d] = sizes.before();
                    padRight[d] = sizes.after();
                    continue;
                }
                long size = in[2 + d] + 2L * pad[d] - kernel[d];
                if (size < 0 || (mode == ConvolutionMode.Strict && size % strides[d] != 0)) {
                    return null;          // DL4J's helper reports the configuration error
                }
                out[2 + d] = size / strides[d] + 1;
                padRight[d] = (out[2 + d] - 1) * strides[d] + kernel[d] - in[2 + d] - pad[d];
                if (padRight[d] < 0) {
                    return null;          // a truncated last window: left to DL4J's helper
                }
            }
            return new Geometry(algorithm, in, out, new long[] {kernel[0], kernel[1]},
                    new long[] {strides[0], strides[1]}, padLeft, padRight);
        }

        boolean max() {
            return algorithm == dnnl.algorithm.pooling_max;
        }

        String key() {
            return Arrays.toString(input) + Arrays.toString(kernel) + Arrays.toString(strides)
                    + Arrays.toString(padLeft) + Arrays.toString(padRight);
        }
    }

    /**
     * oneDNN's pooling for one geometry, on channel blocks, with the layout conversions around it (through the
     * thread's shared scratch buffers, {@link OneDnn.Staged}), and for max pooling the workspace that carries
     * each window's maximum from the training forward to the backward.
     */
    private static final class Primitives implements OneDnn.Primitives {
        private final pooling_forward.primitive_desc trainingDesc;
        private final pooling_forward training;
        private final pooling_forward inference;
        private final pooling_backward backward;
        private final OneDnn.Staged src;
        private final OneDnn.Staged dst;
        private final OneDnn.Staged diffDst;
        private final OneDnn.Staged diffSrc;
        private final memory workspace;
        // Each pass's argument map, made once: its entries are the arguments' memory, re-pointed every call.
        private final IntMemoryMap trainingArgs = new IntMemoryMap();
        private final IntMemoryMap inferenceArgs = new IntMemoryMap();
        private final IntMemoryMap backwardArgs = new IntMemoryMap();
        boolean holdsTrainingForward;

        /** {@code heldBlockedInput}, {@code heldBlockedOutput}: the layer holds them as channel blocks (else plain). */
        Primitives(Geometry g, boolean heldBlockedInput, boolean heldBlockedOutput) {
            memory.desc heldInput = OneDnn.activation(g.input(), heldBlockedInput);
            memory.desc heldOutput = OneDnn.activation(g.output(), heldBlockedOutput);
            memory.desc blockedInput = OneDnn.computeLayout(g.input());
            memory.desc anyOutput = new memory.desc(g.output(), memory.data_type.f32, memory.format_tag.any);
            int algorithm = g.algorithm().value;
            trainingDesc = new pooling_forward.primitive_desc(new pooling_forward.desc(
                    dnnl.prop_kind.forward_training.value, algorithm, blockedInput, anyOutput, g.strides(), g.kernel(),
                    g.padLeft(), g.padRight()), OneDnn.CPU);
            training = new pooling_forward(trainingDesc);
            inference = new pooling_forward(new pooling_forward.primitive_desc(new pooling_forward.desc(
                    dnnl.prop_kind.forward_inference.value, algorithm, blockedInput, anyOutput, g.strides(), g.kernel(),
                    g.padLeft(), g.padRight()), OneDnn.CPU));
            pooling_backward.primitive_desc backwardDesc = new pooling_backward.primitive_desc(
                    new pooling_backward.desc(algorithm, blockedInput, trainingDesc.dst_desc(), g.strides(), g.kernel(),
                            g.padLeft(), g.padRight()), OneDnn.CPU, trainingDesc);
            backward = new pooling_backward(backwardDesc);
            // Scratch slots: 0 for the pass's input side, 1 for its output side.
            src = new OneDnn.Staged(heldInput, blockedInput, 0);
            dst = new OneDnn.Staged(heldOutput, trainingDesc.dst_desc(), 1);
            diffDst = new OneDnn.Staged(heldOutput, backwardDesc.diff_dst_desc(), 0);
            diffSrc = new OneDnn.Staged(heldInput, backwardDesc.diff_src_desc(), 1);
            workspace = g.max() ? new memory(trainingDesc.workspace_desc(), OneDnn.CPU) : null;   // averages need none
            addWorkspace(trainingArgs);
            addWorkspace(backwardArgs);
        }

        void forward(INDArray x, INDArray out, boolean isTraining, stream stream) {
            IntMemoryMap args = isTraining ? trainingArgs : inferenceArgs;
            args.put(dnnl.DNNL_ARG_SRC, src.in(x, stream));
            args.put(dnnl.DNNL_ARG_DST, dst.out(out));
            (isTraining ? training : inference).execute(stream, args);
            dst.finish(out, stream);
            stream._wait();
            holdsTrainingForward |= isTraining;
        }

        void backward(INDArray epsilon, INDArray gradient, stream stream) {
            IntMemoryMap args = backwardArgs;
            args.put(dnnl.DNNL_ARG_DIFF_DST, diffDst.in(epsilon, stream));
            args.put(dnnl.DNNL_ARG_DIFF_SRC, diffSrc.out(gradient));
            backward.execute(stream, args);
            diffSrc.finish(gradient, stream);
            stream._wait();
        }

        /** Max pooling's workspace: the training forward writes it, the backward reads it. */
        private void addWorkspace(IntMemoryMap args) {
            if (workspace != null) {
                args.put(dnnl.DNNL_ARG_WORKSPACE, workspace);
            }
        }

        @Override
        public void close() {
            if (workspace != null) {
                workspace.close();
            }
            for (IntMemoryMap args : new IntMemoryMap[] {trainingArgs, inferenceArgs, backwardArgs}) {
                args.close();
            }
            for (OneDnn.Staged s : new OneDnn.Staged[] {src, dst, diffDst, diffSrc}) {
                s.close();
            }
            backward.close();
            inference.close();
            training.close();
            trainingDesc.close();
        }
    }
}
