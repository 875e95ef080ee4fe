package dev.templatelab.architectures.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The run-time layer of the templates' convolutions ({@code Convolution}: weight {@code [out, in/groups, k, k]},
 * NCHW, identity activation; ReLU in an inference network, {@code InferenceNetwork}, where oneDNN applies it as
 * a post-op of the forward pass). On the fast path (oneDNN helpers on, float) every pass is one oneDNN
 * convolution called directly, its primitives made once per input shape; otherwise DL4J's own convolution
 * (helpers off, double precision, another backend), or with groups, which DL4J lacks, one libnd4j
 * {@code conv2d} / {@code conv2d_bp} per group on channel slices.
 *
 * <p>Why: libnd4j (behind DL4J's oneDNN helper) makes its oneDNN primitives anew and allocates its layout
 * conversion buffers on every call; called directly, ResNet-50's 1x1 convolutions run 1.1-3.0x faster
 * ({@code bench/conv}, README "Performance"). Before, a grouped convolution was 32 channel slices, 32 convolutions and a concatenation;
 * oneDNN's grouped convolution is the one PyTorch calls.
 */
public final class OneDnnConvolutionLayer extends ConvolutionLayer
        implements BlockedActivations.Aware, InputGradients.Skippable {

    private static final String W = ConvolutionParamInitializer.WEIGHT_KEY;
    private static final String B = ConvolutionParamInitializer.BIAS_KEY;

    private final int groups;
    private final boolean onOneDnn = Nd4jRuntime.oneDnnHelpersActive();
    private final OneDnn.ByShape<Primitives> byShape = new OneDnn.ByShape<>();
    private long passesOnOneDnn;
    private boolean inputGradientUnused;
    private WeightGradientKernel weightGradientKernel = WeightGradientKernel.BY_SHAPE;
    private String lastWeightGradientImplementation;
    private boolean bfloat16;
    private String lastForwardImplementation;

    /** Which of oneDNN's kernels computes the weight gradient on the fast path. */
    public enum WeightGradientKernel {
        /** GEMM for small maps, else direct: {@link Geometry#weightGradientOnGemm}. What the templates use. */
        BY_SHAPE,
        /** What oneDNN picks for any layout: its direct kernel on channel blocks, for the templates' shapes. */
        DIRECT,
        /** oneDNN's GEMM-based kernel on plain NCHW, for any geometry (paired groups stay paired, block-diagonal). */
        GEMM
    }

    public OneDnnConvolutionLayer(NeuralNetConfiguration conf, DataType dataType, int groups) {
        super(conf, dataType);
        this.groups = groups;
    }

    /** Forces a weight-gradient kernel, for {@code bench/conv}'s comparison; the primitives made so far are freed. */
    public void useWeightGradientKernel(WeightGradientKernel kernel) {
        weightGradientKernel = Objects.requireNonNull(kernel, "kernel");     // null would silently mean DIRECT
        byShape.clear();
        lastWeightGradientImplementation = null;
    }

    /**
     * Whether the convolution multiplies in bfloat16 ({@link Bfloat16Convolutions}): its input, weights and output
     * gradient rounded to bfloat16 on the way into oneDNN, sums and results in float32. The primitives made so far
     * are freed.
     */
    void computeInBfloat16(boolean on) {
        bfloat16 = on;
        byShape.clear();
        lastForwardImplementation = null;
    }

    /** oneDNN's name for the forward implementation of the most recent input shape, or null before any pass. */
    public String forwardImplementation() {
        return lastForwardImplementation;
    }

    /**
     * oneDNN's name for the weight-gradient implementation of the most recent input shape on oneDNN ("jit:avx2",
     * "x64:gemm:jit", ...; see {@link Geometry#weightGradientOnGemm}), or null before any pass on oneDNN.
     */
    public String weightGradientImplementation() {
        return lastWeightGradientImplementation;
    }

    /** Forward and backward passes run on oneDNN directly (the others ran on DL4J's or libnd4j's code). */
    public long passesOnOneDnn() {
        return passesOnOneDnn;
    }

    @Override
    public boolean canRunBlocked() {
        return onOneDnn && dataType == DataType.FLOAT && supportedConfiguration();
    }

    @Override
    public void runBlocked(boolean input, boolean output) {
        byShape.holdBlocked(input, output);
    }

    @Override
    public boolean holdsBlockedOutput() {
        return byShape.blockedOutput();
    }

    @Override
    public void skipInputGradient(boolean skip) {
        inputGradientUnused = skip;
    }

    /** Blocked activations are oneDNN's: DL4J's and libnd4j's code would read them as plain NCHW. */
    private void requireOneDnnWhenBlocked(boolean training) {
        if (byShape.blockedInput() || byShape.blockedOutput()) {
            requireNotTrainingWithFusedRelu(training);     // DL4J's code would train it
        }
        byShape.requireOneDnnWhenBlocked(runsOnOneDnn(input), "convolution " + layerConf().getLayerName(), input);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        requireOneDnnWhenBlocked(training);
        if (groups == 1 && (!runsOnOneDnn(input) || training && fusedRelu())) {
            return super.activate(training, workspaceMgr);
        }
        requireNotTrainingWithFusedRelu(training);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray x = input.castTo(dataType);
        INDArray w = getParamWithNoise(W, training, workspaceMgr);
        INDArray b = layerConf().hasBias() ? getParamWithNoise(B, training, workspaceMgr) : null;
        Geometry g = geometry(x, w);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, g.output(), 'c');
        if (runsOnOneDnn(x)) {
            primitives(g).forward(OneDnn.dense(x), g.kernelWeights(OneDnn.dense(w)), b == null ? null : OneDnn.dense(b),
                    out, fusedRelu(), byShape.stream());
            passesOnOneDnn++;
        } else {
            forwardPerGroup(g, x, w, b, out);
            if (fusedRelu()) {
                Transforms.relu(out, false);
            }
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        requireOneDnnWhenBlocked(true);
        if (groups == 1 && (!runsOnOneDnn(input) || fusedRelu())) {
            Pair<Gradient, INDArray> stock = super.backpropGradient(epsilon, workspaceMgr);
            return inputGradientUnused ? new Pair<>(stock.getFirst(), null) : stock;
        }
        requireNotTrainingWithFusedRelu(true);
        INDArray x = input.castTo(dataType);
        INDArray w = getParamWithNoise(W, true, workspaceMgr);
        INDArray b = layerConf().hasBias() ? getParamWithNoise(B, true, workspaceMgr) : null;
        INDArray dy = epsilon.castTo(dataType);
        INDArray dw = gradientViews.get(W);
        INDArray db = b == null ? null : gradientViews.get(B);
        Geometry g = geometry(x, w);
        boolean direct = runsOnOneDnn(x);
        INDArray dx = inputGradientUnused && direct ? null
                : workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        if (direct) {
            INDArray kernelGradient = g.paired() ? Nd4j.createUninitialized(dataType, g.weights()) : dw;
            primitives(g).backward(OneDnn.dense(x), g.kernelWeights(OneDnn.dense(w)), OneDnn.dense(dy), dx,
                    kernelGradient, db, byShape.stream());
            if (g.paired()) {
                g.layerWeights(kernelGradient, dw);
            }
            passesOnOneDnn++;
        } else {
            backwardPerGroup(g, x, w, b, dy, dx, dw, db);
        }
        Gradient gradient = new DefaultGradient();
        if (db != null) {
            gradient.setGradientFor(B, db);
        }
        gradient.setGradientFor(W, dw, 'c');
        weightNoiseParams.clear();
        return new Pair<>(gradient, inputGradientUnused ? null : backpropDropOutIfPresent(dx));
    }

    /**
     * A float network, NCHW input, explicit or TF SAME padding, no dilation, identity activation (every
     * convolution of the templates) on the fast path.
     */
    private boolean runsOnOneDnn(INDArray x) {
        return onOneDnn && dataType == DataType.FLOAT && supported(x);
    }

    /**
     * NCHW input, explicit or TF SAME padding, no dilation, identity activation (or ReLU, fused into the
     * convolution by {@code InferenceNetwork}): what this layer's own code computes.
     */
    private boolean supported(INDArray x) {
        return x.rank() == 4 && supportedConfiguration();
    }

    private boolean supportedConfiguration() {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf = layerConf();
        return conf.getCnn2dDataFormat() == CNN2DFormat.NCHW
                && conf.getDilation()[0] == 1
                && conf.getDilation()[1] == 1
                && (conf.getActivationFn() instanceof ActivationIdentity || fusedRelu());
    }

    /** A ReLU applied to the output in the same pass: inference networks only (DL4J's code trains it). */
    private boolean fusedRelu() {
        return layerConf().getActivationFn() instanceof ActivationReLU;
    }

    private void requireNotTrainingWithFusedRelu(boolean training) {
        if (training && fusedRelu()) {
            throw new IllegalStateException("convolution " + layerConf().getLayerName() + " has a fused ReLU"
                    + (groups > 1 ? " and " + groups + " groups" : "") + ": it belongs to an inference network (InferenceNetwork), which cannot "
                    + "be trained; train the network it was made from");
        }
    }

    /** The stock path: libnd4j's {@code conv2d} on each group's channels. */
    private void forwardPerGroup(Geometry g, INDArray x, INDArray w, INDArray b, INDArray out) {
        INDArray[] weights = byGroup(w);
        INDArray[] biases = b == null ? null : byGroup(b);
        for (int group = 0; group < groups; group++) {
            INDArray[] in = b == null ? new INDArray[] {channels(x, group).dup('c'), weights[group]}
                    : new INDArray[] {channels(x, group).dup('c'), weights[group], biases[group]};
            channels(out, group).assign(Nd4j.exec(op("conv2d", g, in))[0]);
        }
    }

    /** The stock path: libnd4j's {@code conv2d_bp} on each group's channels. */
    private void backwardPerGroup(Geometry g, INDArray x, INDArray w, INDArray b, INDArray dy, INDArray dx,
                                  INDArray dw, INDArray db) {
        INDArray[] weights = byGroup(w);
        INDArray[] biases = b == null ? null : byGroup(b);
        INDArray[] weightGrads = new INDArray[groups];
        INDArray[] biasGrads = new INDArray[groups];
        for (int group = 0; group < groups; group++) {
            INDArray xg = channels(x, group).dup('c');
            INDArray dyg = channels(dy, group).dup('c');
            INDArray[] in = b == null ? new INDArray[] {xg, weights[group], dyg}
                    : new INDArray[] {xg, weights[group], biases[group], dyg};
            INDArray[] grads = Nd4j.exec(op("conv2d_bp", g, in));
            channels(dx, group).assign(grads[0]);
            weightGrads[group] = grads[1];
            biasGrads[group] = b == null ? null : grads[2];
        }
        dw.assign(Nd4j.concat(0, weightGrads));
        if (db != null) {
            db.assign(Nd4j.concat(0, biasGrads).reshape('c', db.shape()));
        }
    }

    /** Group {@code g}'s channels of an NCHW array, a view. */
    private INDArray channels(INDArray nchw, int g) {
        long perGroup = nchw.size(1) / groups;
        return nchw.get(NDArrayIndex.all(), NDArrayIndex.interval(g * perGroup, (g + 1) * perGroup), NDArrayIndex.all(),
                NDArrayIndex.all());
    }

    /**
     * A weight or bias split by output rows into one copy per group. Copied through a Java array: ND4J's interval
     * index on a parameter view gives shapeless arrays for single rows (e.g. of a {@code [4, 1, 3, 3]} weight).
     */
    private INDArray[] byGroup(INDArray param) {
        double[] values = param.dup('c').data().asDouble();
        long[] shape = param.shape().clone();     // shape() is the array's own
        shape[0] /= groups;
        int length = values.length / groups;
        INDArray[] parts = new INDArray[groups];
        for (int g = 0; g < groups; g++) {
            parts[g] = Nd4j.create(Arrays.copyOfRange(values, g * length, (g + 1) * length), shape, 'c')
                    .castTo(param.dataType());
        }
        return parts;
    }

    private static DynamicCustomOp op(String name, Geometry g, INDArray... inputs) {
        return DynamicCustomOp.builder(name).addInputs(inputs).addIntegerArguments((int) g.kernel[0],
                (int) g.kernel[1], (int) g.strides[0], (int) g.strides[1], (int) g.padLeft[0], (int) g.padLeft[1],
                1, 1, g.same() ? 1 : 0 /* SAME: libnd4j pads as TF does */, 0 /* NCHW */,
                1 /* weights [out, in, kH, kW] */).build();
    }

    private Geometry geometry(INDArray x, INDArray w) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf = layerConf();
        if (!supported(x)) {
            throw new IllegalStateException("convolution " + conf.getLayerName() + " with " + groups + " groups supports "
                    + "NCHW input, explicit or SAME padding, no dilation and no activation but ReLU; got " + conf.getCnn2dDataFormat() + ", "
                    + Arrays.toString(x.shape()) + ", " + conf.getConvolutionMode() + ", dilation "
                    + Arrays.toString(conf.getDilation()) + ", " + conf.getActivationFn());
        }
        if (x.size(1) != (long) groups * w.size(1)) {
            throw new IllegalStateException("convolution " + conf.getLayerName() + " expects " + groups * w.size(1)
                    + " input channels, got input " + Arrays.toString(x.shape()));
        }
        return Geometry.of(x.shape(), w.shape(), groups, conf.getKernelSize(), conf.getStride(), conf.getPadding(),
                conf.getConvolutionMode() == ConvolutionMode.Same, conf.hasBias(),
                runsOnOneDnn(x) ? OneDnn.CHANNEL_BLOCK : 1);
    }

    private Primitives primitives(Geometry g) {
        Primitives primitives = byShape.get(g.key(),
                () -> new Primitives(g, byShape.blockedInput(), byShape.blockedOutput(), weightGradientKernel,
                        bfloat16));
        lastWeightGradientImplementation = primitives.weightsImplementation;
        lastForwardImplementation = primitives.forwardImplementation;
        return primitives;
    }

    /**
     * One convolution: input and output NCHW, weight {@code [out, in, k, k]}, or with groups
     * {@code [groups, out/groups, in/groups, k, k]} (the layer's {@code [out, in/groups, k, k]} bytes). oneDNN
     * takes the right/bottom padding separately: what makes DL4J's (floored) output size come out.
     */
    record Geometry(long[] input, long[] output, long[] weights, long[] kernel, long[] strides, long[] padLeft,
                    long[] padRight, boolean same, boolean bias, int groups, int pairing) {
        /**
         * {@code same}: TF's SAME padding ({@code pad} unused), the extra row or column at the bottom or right;
         * {@code channelBlock}: the channel block of the kernel that runs it ({@link #pairing}), 1 off oneDNN.
         */
        static Geometry of(long[] in, long[] w, int groups, int[] kernel, int[] strides, int[] pad, boolean same,
                           boolean bias, int channelBlock) {
            long[] out = {in[0], w[0], 0, 0};
            long[] padLeft = new long[2];
            long[] padRight = new long[2];
            for (int d = 0; d < 2; d++) {
                if (same) {
                    OneDnn.SamePadding sizes = OneDnn.SamePadding.of(in[2 + d], kernel[d], strides[d]);
                    out[2 + d] = sizes.output();
                    padLeft[d] = sizes.before();
                    padRight[d] = sizes.after();
                    continue;
                }
                long size = in[2 + d] + 2L * pad[d] - kernel[d];
                if (size < 0) {
                    throw new IllegalStateException("a " + kernel[d] + "-wide kernel does not fit input "
                            + Arrays.toString(in) + " padded by " + pad[d]);
                }
                out[2 + d] = size / strides[d] + 1;
                padLeft[d] = pad[d];
                padRight[d] = (out[2 + d] - 1) * strides[d] + kernel[d] - in[2 + d] - pad[d];
            }
            int pairing = pairing(groups, w[0] / groups, w[1], channelBlock);
            long[] weights = groups == 1 ? w.clone()
                    : new long[] {groups / pairing, w[0] / groups * pairing, w[1] * pairing, w[2], w[3]};
            return new Geometry(in, out, weights, new long[] {kernel[0], kernel[1]},
                    new long[] {strides[0], strides[1]}, padLeft, padRight, same, bias, groups, pairing);
        }

        /**
         * How many groups run as one: groups of fewer channels than oneDNN's channel block (ResNeXt-50's first
         * stage has 4 a group) fall off oneDNN 2.5's AVX2 kernel onto im2col + GEMM, 6x slower for the pass and
         * backward (ResNeXt's 3x3 at 56x56: 77.7 ms -> 12.2 ms forward + backward). Joining them into groups of a
         * whole block whose weight is block-diagonal computes exactly the same (the zero blocks add nothing) with
         * as many times the multiply-adds as groups joined.
         */
        private static int pairing(int groups, long outPerGroup, long inPerGroup, int channelBlock) {
            if (groups == 1 || outPerGroup != inPerGroup || inPerGroup >= channelBlock
                    || channelBlock % inPerGroup != 0) {
                return 1;
            }
            int pairing = (int) (channelBlock / inPerGroup);
            return groups % pairing == 0 ? pairing : 1;
        }

        /**
         * Whether this geometry's weight gradient belongs on oneDNN's GEMM-based kernel (im2col + its own SGEMM,
         * on plain NCHW copies of the input and the output gradient) where oneDNN would pick its direct AVX2
         * kernel: ungrouped convolutions wider than 1x1 with at least 256 input channels and an output of at most
         * 14x14. Why: {@code bench/conv}'s second table times both kernels, alternated, on the templates' 3x3
         * shapes (224 px, batch 8; README "Performance"). Over three runs, direct time / GEMM time of the backward
         * pass: ResNet-50's 3x3s with outputs of 14x14 and 7x7 (256 and 512 channels) 1.03-1.22x, every time; the
         * narrower ones with such outputs (the Inceptions', 96-224 channels) 0.87-1.18x; those with larger outputs
         * 0.88-1.07x. The floor keeps GEMM where it won in every run.
         */
        boolean weightGradientOnGemm() {
            return groups == 1 && (kernel[0] > 1 || kernel[1] > 1) && input[1] >= 256 && output[2] <= 14
                    && output[3] <= 14;
        }

        boolean paired() {
            return pairing > 1;
        }

        /** The layer's weight {@code [out, in/groups, k, k]} as the kernel takes it: block-diagonal when paired. */
        INDArray kernelWeights(INDArray layerWeights) {
            if (!paired()) {
                return layerWeights;
            }
            float[] from = layerWeights.dup('c').data().asFloat();
            float[] to = new float[from.length * pairing];
            copyGroups(from, to, true);
            return Nd4j.create(to, weights, 'c');
        }

        /** A paired kernel's weight gradient back in the layer's layout (the zero blocks' gradients dropped). */
        void layerWeights(INDArray kernelGradient, INDArray layerGradient) {
            float[] from = kernelGradient.dup('c').data().asFloat();
            float[] to = new float[from.length / pairing];
            copyGroups(from, to, false);
            layerGradient.assign(Nd4j.create(to, layerGradient.shape(), 'c'));
        }

        /** Copies every group's taps from the layer's layout into the paired kernel's, or back. */
        private void copyGroups(float[] from, float[] to, boolean intoKernel) {
            long outPerGroup = weights[1] / pairing;
            long inPerGroup = weights[2] / pairing;
            long taps = kernel[0] * kernel[1];
            for (int group = 0; group < groups; group++) {
                for (long o = 0; o < outPerGroup; o++) {
                    for (long i = 0; i < inPerGroup; i++) {
                        int layer = (int) layerOffset(group, o, i, outPerGroup, inPerGroup, taps);
                        int paired = (int) kernelOffset(group, o, i, outPerGroup, inPerGroup, taps);
                        System.arraycopy(from, intoKernel ? layer : paired, to, intoKernel ? paired : layer, (int) taps);
                    }
                }
            }
        }

        private static long layerOffset(int group, long o, long i, long outPerGroup, long inPerGroup, long taps) {
            return ((group * outPerGroup + o) * inPerGroup + i) * taps;
        }

        /** Group {@code group} is block {@code group % pairing} on the diagonal of kernel group {@code group / pairing}. */
        private long kernelOffset(int group, long o, long i, long outPerGroup, long inPerGroup, long taps) {
            long block = group % pairing;
            long row = (group / pairing) * outPerGroup * pairing + block * outPerGroup + o;
            return (row * inPerGroup * pairing + block * inPerGroup + i) * taps;
        }

        String key() {
            return Arrays.toString(input) + Arrays.toString(weights) + Arrays.toString(strides)
                    + Arrays.toString(padLeft) + Arrays.toString(padRight) + bias;
        }
    }

    /**
     * oneDNN's convolution forward, backward-data and backward-weights for one geometry, in the layouts oneDNN
     * picks for them (blocked channels, usually; plain NCHW for a weight gradient on GEMM), with the conversions
     * from and to the arrays as the layer holds them.
     */
    private static final class Primitives implements OneDnn.Primitives {
        private final convolution_forward.primitive_desc forwardDesc;
        private final convolution_forward forward;
        private final convolution_backward_data backwardData;
        private final convolution_backward_weights backwardWeights;
        private final OneDnn.Staged src;
        private final OneDnn.Staged weights;
        private final OneDnn.Staged dst;
        private final OneDnn.Staged dataDiffDst;
        private final OneDnn.Staged dataWeights;
        private final OneDnn.Staged diffSrc;
        private final OneDnn.Staged weightsSrc;
        private final OneDnn.Staged weightsDiffDst;
        private final OneDnn.Staged diffWeights;
        private final boolean sameDiffDst;      // both backward primitives read the output gradient in one layout
        private final memory.desc plainBias;
        private final OneDnn.Bound bias;
        private final OneDnn.Bound diffBias;
        // Each pass's argument map, made once: its entries are the arguments' memory, re-pointed every call.
        private final IntMemoryMap forwardArgs = new IntMemoryMap();
        private final IntMemoryMap dataArgs = new IntMemoryMap();
        private final IntMemoryMap weightsArgs = new IntMemoryMap();
        private final Geometry geometry;
        private final String weightsImplementation;     // oneDNN's name for the weight-gradient implementation
        private final String forwardImplementation;
        private convolution_forward reluForward;

        /**
         * {@code blockedInput}, {@code blockedOutput}: the layer holds them as channel blocks (else plain);
         * {@code kernel}: which kernel computes the weight gradient ({@link WeightGradientKernel});
         * {@code bfloat16}: multiply in bfloat16 where oneDNN has a bfloat16 kernel for this geometry.
         */
        Primitives(Geometry g, boolean blockedInput, boolean blockedOutput, WeightGradientKernel kernel,
                   boolean bfloat16) {
            geometry = g;
            memory.desc heldSrc = OneDnn.activation(g.input(), blockedInput);
            memory.desc heldDst = OneDnn.activation(g.output(), blockedOutput);
            memory.desc plainWeights = new memory.desc(g.weights(), memory.data_type.f32,
                    g.weights().length == 4 ? memory.format_tag.oihw : memory.format_tag.goihw);
            plainBias = g.bias() ? OneDnn.rowMajor(new long[] {g.output()[1]}) : null;
            bias = g.bias() ? new OneDnn.Bound(plainBias) : null;
            diffBias = g.bias() ? new OneDnn.Bound(plainBias) : null;
            memory.desc anySrc = any(g.input());
            memory.desc anyDst = any(g.output());
            memory.desc anyWeights = any(g.weights());
            Bfloat16Passes low = bfloat16 ? bfloat16Passes(anySrc, anyWeights, anyDst) : null;
            forwardDesc = low != null ? low.forward() : new convolution_forward.primitive_desc(forwardDescriptor(
                    dnnl.prop_kind.forward_training.value, anySrc, anyWeights, anyDst), OneDnn.CPU);
            forwardImplementation = forwardDesc.impl_info_str().getString();
            forward = new convolution_forward(forwardDesc);
            convolution_backward_data.primitive_desc dataDesc = low != null ? low.data()
                    : dataDescriptor(anySrc, anyWeights, anyDst, forwardDesc);
            backwardData = new convolution_backward_data(dataDesc);
            convolution_backward_weights.primitive_desc weightsDesc = low != null ? low.weights()
                    : weightsDescriptor(anySrc, anyWeights, anyDst, forwardDesc);
            String picked = weightsDesc.impl_info_str().getString();
            // BY_SHAPE replaces only oneDNN's AVX2 direct kernel, the one measured (not AVX-512's, say)
            boolean gemm = kernel == WeightGradientKernel.GEMM
                    || kernel == WeightGradientKernel.BY_SHAPE && picked.equals("jit:avx2") && g.weightGradientOnGemm();
            if (gemm) {
                weightsDesc.close();
                weightsDesc = weightsDescriptor(OneDnn.rowMajor(g.input()), plainWeights, OneDnn.rowMajor(g.output()),
                        forwardDesc);
            }
            weightsImplementation = weightsDesc.impl_info_str().getString();
            backwardWeights = new convolution_backward_weights(weightsDesc);
            // Scratch slots: 0-2 for each pass's first primitive, 3-5 for the weights' backward after the data's.
            src = new OneDnn.Staged(heldSrc, forwardDesc.src_desc(), 0);
            weights = new OneDnn.Staged(plainWeights, forwardDesc.weights_desc(), 1);
            dst = new OneDnn.Staged(heldDst, forwardDesc.dst_desc(), 2);
            dataDiffDst = new OneDnn.Staged(heldDst, dataDesc.diff_dst_desc(), 0);
            dataWeights = new OneDnn.Staged(plainWeights, dataDesc.weights_desc(), 1);
            diffSrc = new OneDnn.Staged(heldSrc, dataDesc.diff_src_desc(), 2);
            weightsSrc = new OneDnn.Staged(heldSrc, weightsDesc.src_desc(), 3);
            weightsDiffDst = new OneDnn.Staged(heldDst, weightsDesc.diff_dst_desc(), 4);
            diffWeights = new OneDnn.Staged(plainWeights, weightsDesc.diff_weights_desc(), 5);
            sameDiffDst = dataDesc.diff_dst_desc().equals(weightsDesc.diff_dst_desc());
        }

        /**
         * The forward with a ReLU as oneDNN post-op, for inference: in the forward's layouts, so that the same
         * conversions serve it. Made on first use.
         */
        private convolution_forward reluForward() {
            if (reluForward == null) {
                try (post_ops relu = new post_ops(); primitive_attr attr = new primitive_attr()) {
                    relu.append_eltwise(1f, dnnl.algorithm.eltwise_relu.value, 0f, 0f);
                    attr.set_post_ops(relu);
                    reluForward = new convolution_forward(new convolution_forward.primitive_desc(forwardDescriptor(
                            dnnl.prop_kind.forward_inference.value, forwardDesc.src_desc(), forwardDesc.weights_desc(),
                            forwardDesc.dst_desc()), attr, OneDnn.CPU));
                }
            }
            return reluForward;
        }

        /** The three passes' primitive descriptors with bfloat16 into each multiplication, float32 out. */
        private record Bfloat16Passes(convolution_forward.primitive_desc forward,
                                      convolution_backward_data.primitive_desc data,
                                      convolution_backward_weights.primitive_desc weights) {
        }

        /**
         * The passes on bfloat16 input, weights and output gradient with float32 output, input gradient and weight
         * gradient; or null where oneDNN has no bfloat16 kernel for one of them (its reference code would be far
         * slower than float32): the CPU lacks AVX-512 BF16, or the geometry has no such kernel.
         */
        private Bfloat16Passes bfloat16Passes(memory.desc anySrc, memory.desc anyWeights, memory.desc anyDst) {
            Geometry g = geometry;
            memory.desc src = any(g.input(), memory.data_type.bf16);
            memory.desc weights = any(g.weights(), memory.data_type.bf16);
            memory.desc diffDst = any(g.output(), memory.data_type.bf16);
            List<Pointer> made = new ArrayList<>();
            try {
                var forward = new convolution_forward.primitive_desc(forwardDescriptor(
                        dnnl.prop_kind.forward_training.value, src, weights, anyDst), OneDnn.CPU);
                made.add(forward);
                var data = dataDescriptor(anySrc, weights, diffDst, forward);
                made.add(data);
                var weightGradient = weightsDescriptor(src, anyWeights, diffDst, forward);
                made.add(weightGradient);
                if (forward.impl_info_str().getString().contains("bf16")
                        && data.impl_info_str().getString().contains("bf16")
                        && weightGradient.impl_info_str().getString().contains("bf16")) {
                    return new Bfloat16Passes(forward, data, weightGradient);
                }
            } catch (RuntimeException unsupported) {     // oneDNN: "could not create a primitive descriptor"
                // float32 then, as below
            }
            made.forEach(Pointer::close);
            return null;
        }

        /** This geometry's backward-data primitive in the given layouts, hinted by {@code forward}. */
        private convolution_backward_data.primitive_desc dataDescriptor(memory.desc diffSrc, memory.desc weights,
                                                                       memory.desc diffDst,
                                                                       convolution_forward.primitive_desc forward) {
            Geometry g = geometry;
            return new convolution_backward_data.primitive_desc(new convolution_backward_data.desc(
                    dnnl.algorithm.convolution_direct.value, diffSrc, weights, diffDst, g.strides(), g.padLeft(),
                    g.padRight()), OneDnn.CPU, forward);
        }

        /** This geometry's forward convolution in the given layouts, with the bias when the layer has one. */
        private convolution_forward.desc forwardDescriptor(int propKind, memory.desc src, memory.desc weights,
                                                           memory.desc dst) {
            Geometry g = geometry;
            int direct = dnnl.algorithm.convolution_direct.value;
            return g.bias()
                    ? new convolution_forward.desc(propKind, direct, src, weights, plainBias, dst, g.strides(),
                            g.padLeft(), g.padRight())
                    : new convolution_forward.desc(propKind, direct, src, weights, dst, g.strides(), g.padLeft(),
                            g.padRight());
        }

        /** This geometry's backward-weights primitive in the given layouts, hinted by {@code forward}. */
        private convolution_backward_weights.primitive_desc weightsDescriptor(memory.desc src, memory.desc diffWeights,
                                                                            memory.desc diffDst,
                                                                            convolution_forward.primitive_desc forward) {
            Geometry g = geometry;
            int direct = dnnl.algorithm.convolution_direct.value;
            return new convolution_backward_weights.primitive_desc(g.bias()
                    ? new convolution_backward_weights.desc(direct, src, diffWeights, plainBias, diffDst, g.strides(),
                            g.padLeft(), g.padRight())
                    : new convolution_backward_weights.desc(direct, src, diffWeights, diffDst, g.strides(), g.padLeft(),
                            g.padRight()), OneDnn.CPU, forward);
        }

        private static memory.desc any(long[] shape) {
            return any(shape, memory.data_type.f32);
        }

        private static memory.desc any(long[] shape, memory.data_type type) {
            return new memory.desc(shape, type, memory.format_tag.any);
        }

        void forward(INDArray x, INDArray w, INDArray b, INDArray out, boolean relu, stream stream) {
            IntMemoryMap args = forwardArgs;
            args.put(dnnl.DNNL_ARG_SRC, src.in(x, stream));
            args.put(dnnl.DNNL_ARG_WEIGHTS, weights.in(w, stream));
            if (b != null) {
                args.put(dnnl.DNNL_ARG_BIAS, bias.to(b));
            }
            args.put(dnnl.DNNL_ARG_DST, dst.out(out));
            (relu ? reluForward() : forward).execute(stream, args);
            dst.finish(out, stream);
            stream._wait();
        }

        /** {@code dx} null: the input gradient is not computed ({@link InputGradients}). */
        void backward(INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw, INDArray db, stream stream) {
            memory diffDst = null;
            if (dx != null) {
                IntMemoryMap data = dataArgs;
                diffDst = dataDiffDst.in(dy, stream);
                data.put(dnnl.DNNL_ARG_DIFF_DST, diffDst);
                data.put(dnnl.DNNL_ARG_WEIGHTS, dataWeights.in(w, stream));
                data.put(dnnl.DNNL_ARG_DIFF_SRC, diffSrc.out(dx));
                backwardData.execute(stream, data);
                diffSrc.finish(dx, stream);
            }
            IntMemoryMap params = weightsArgs;
            params.put(dnnl.DNNL_ARG_SRC, weightsSrc.in(x, stream));
            params.put(dnnl.DNNL_ARG_DIFF_DST, diffDst != null && sameDiffDst ? diffDst : weightsDiffDst.in(dy, stream));
            params.put(dnnl.DNNL_ARG_DIFF_WEIGHTS, diffWeights.out(dw));
            if (db != null) {
                params.put(dnnl.DNNL_ARG_DIFF_BIAS, diffBias.to(db));
            }
            backwardWeights.execute(stream, params);
            diffWeights.finish(dw, stream);
            stream._wait();
        }

        @Override
        public void close() {
            for (OneDnn.Staged s : new OneDnn.Staged[] {src, weights, dst, dataDiffDst, dataWeights, diffSrc, weightsSrc,
                    weightsDiffDst, diffWeights}) {
                s.close();
            }
            for (IntMemoryMap args : new IntMemoryMap[] {forwardArgs, dataArgs, weightsArgs}) {
                args.close();
            }
            if (bias != null) {
                bias.close();
                diffBias.close();
            }
            if (reluForward != null) {
                reluForward.close();
            }
            backwardWeights.close();
            backwardData.close();
            forward.close();
            forwardDesc.close();
        }
    }
}
