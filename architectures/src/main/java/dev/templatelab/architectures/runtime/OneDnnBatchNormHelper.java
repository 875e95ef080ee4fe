package dev.templatelab.architectures.runtime;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.stream;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch norm on oneDNN, called directly through JavaCPP's dnnl presets, in place of DL4J's oneDNN helper
 * ({@link MKLDNNBatchNormHelper}, 1.0.0-M2.1), which goes through libnd4j's {@code batchnorm} ops.
 *
 * <p>Why: libnd4j's {@code batchnorm_bp} runs oneDNN's backward with {@code use_global_stats}, which leaves out
 * the terms that flow through the batch mean and variance, then adds them itself with about ten generic array
 * passes (three of them strided sum reductions over N, H, W): 4-7x the time of oneDNN's own training backward,
 * and the largest non-convolution cost of a ResNet-50 step. In the forward, DL4J's helper computes the batch
 * statistics with a mean plus ND4J's slow {@code Variance} op; oneDNN's training forward computes them in the
 * same call. Both passes here are oneDNN's training primitives as PyTorch uses them, on oneDNN's blocked
 * layout, where they are vectorised (README "Performance"; {@code bench/batchnorm} compares the two helpers).
 * Inference uses oneDNN too, with the running statistics.
 *
 * <p>A batch norm with its ReLU in the same layer ({@link BatchNormReluLayer}) runs both as one oneDNN batch norm
 * with {@code fuse_norm_relu}: the forward writes the rectified output and a bit mask of where it is positive, the
 * backward applies that mask to the incoming gradient as it reads it. That saves the ReLU's own pass over the
 * activations in each direction.
 *
 * <p>{@link #install} puts it into a layer in place of DL4J's helper; {@code BatchNormalization}'s helper field
 * is package-private in M2.1, hence reflection. Drop this class when a DL4J release calls oneDNN's training
 * backward itself.
 */
public final class OneDnnBatchNormHelper implements BatchNormalizationHelper, BlockedActivations.Aware {

    private static final Field HELPER_FIELD = helperField();

    private final OneDnn.ByShape<Primitives> byShape = new OneDnn.ByShape<>();
    private final boolean relu;
    private INDArray meanCache;
    private INDArray varCache;
    /** Where the last training forward's output is positive: oneDNN's workspace, read by the backward. */
    private INDArray reluMask;
    private boolean appliedRelu;

    /** A helper for a batch norm without a ReLU ({@code bench/batchnorm} makes one directly). */
    public OneDnnBatchNormHelper() {
        this(false);
    }

    private OneDnnBatchNormHelper(boolean relu) {
        this.relu = relu;
    }

    /**
     * Replaces the layer's DL4J oneDNN helper with this one. Leaves the layer alone when it has no oneDNN
     * helper (helpers off, another backend, or a configuration oneDNN does not support).
     *
     * @param relu whether a ReLU follows in the same layer ({@link BatchNormReluLayer}): then this helper applies it
     *             too, where it runs (see {@link #appliedRelu})
     * @return whether the layer now runs on this helper
     */
    public static boolean install(BatchNormalization layer, boolean relu) {
        try {
            if (HELPER_FIELD.get(layer) instanceof MKLDNNBatchNormHelper) {
                HELPER_FIELD.set(layer, new OneDnnBatchNormHelper(relu));
                return true;
            }
            return false;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Cannot replace the batch-norm helper of DL4J's BatchNormalization", e);
        }
    }

    private static Field helperField() {
        try {
            Field f = BatchNormalization.class.getDeclaredField("helper");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's BatchNormalization layer has no 'helper' field: this class is "
                    + "written for DL4J 1.0.0-M2.1; check whether the DL4J version still needs it", e);
        }
    }

    /** Whether the helpers are on; {@link BlockedActivations} checks the layer's configuration. */
    @Override
    public boolean canRunBlocked() {
        return BaseMKLDNNHelper.mklDnnEnabled();
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
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta && BaseMKLDNNHelper.mklDnnEnabled();
    }

    @Override
    public boolean checkSupported() {
        return BaseMKLDNNHelper.mklDnnEnabled();
    }

    /**
     * What runs here: float NCHW activations with a learned scale and shift, every batch norm of the templates.
     * Anything else (null answers) runs DL4J's own batch-norm code.
     */
    private boolean runsOnOneDnn(INDArray x, CNN2DFormat format, INDArray gamma, INDArray beta) {
        boolean runs = x.dataType() == DataType.FLOAT && x.rank() == 4 && format == CNN2DFormat.NCHW
                && gamma != null && beta != null;
        byShape.requireOneDnnWhenBlocked(runs, "a batch norm (" + format + (gamma == null ? ", no learned scale" : "")
                + ")", x);
        return runs;
    }

    /**
     * Whether the last forward pass also applied the layer's ReLU (it ran here, with a ReLU to apply); when not,
     * the layer applies it, and its backward masks the gradient before DL4J's batch-norm code sees it.
     */
    public boolean appliedRelu() {
        return appliedRelu;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        appliedRelu = false;
        if (!runsOnOneDnn(x, format, gamma, beta)) {
            return null;
        }
        x = OneDnn.dense(x);
        Primitives p = primitives(x, eps);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
        if (training) {
            allocateCaches(x.size(1));
            // the mask lives as long as the activations: until the backward pass has read it
            reluMask = relu
                    ? workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.BYTE, p.maskBytes()) : null;
            p.forward(true, x, out, vector(gamma), vector(beta), meanCache, varCache, reluMask, byShape.stream());
        } else {
            p.forward(false, x, out, vector(gamma), vector(beta), vector(mean), vector(var), null, byShape.stream());
        }
        appliedRelu = relu;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                     double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!runsOnOneDnn(input, format, gamma, beta) || dGammaView == null || dBetaView == null) {
            return null;
        }
        input = OneDnn.dense(input);
        epsilon = OneDnn.dense(epsilon);
        Primitives p = primitives(input, eps);
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(),
                input.shape());
        // the gradient views are slices of the network's flat gradient: written in place when dense (as usual)
        INDArray dGamma = vector(dGammaView);
        INDArray dBeta = vector(dBetaView);
        p.backward(input, epsilon, epsilonOut, vector(gamma), vector(beta), meanCache, varCache, reluMask, dGamma,
                dBeta, byShape.stream());
        if (!OneDnn.sharesMemory(dGamma, dGammaView)) {
            dGammaView.assign(dGamma.reshape(dGammaView.shape()));
        }
        if (!OneDnn.sharesMemory(dBeta, dBetaView)) {
            dBetaView.assign(dBeta.reshape(dBetaView.shape()));
        }
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(gradient, epsilonOut);
    }

    private Primitives primitives(INDArray x, double eps) {
        return byShape.get(Arrays.toString(x.shape()) + eps,
                () -> new Primitives(x.shape(), (float) eps, relu, byShape.blockedInput(), byShape.blockedOutput()));
    }

    /** The batch mean and variance outlive the workspaces: the layer reads them after the forward pass. */
    private void allocateCaches(long channels) {
        if (meanCache == null || meanCache.length() != channels) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
                varCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
            }
        }
    }

    /** oneDNN's per-channel arguments are dense rank-1; DL4J keeps gamma, beta and the statistics as [1, C]. */
    private static INDArray vector(INDArray a) {
        return OneDnn.dense(a.rank() == 1 ? a : a.reshape(a.length()));
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return varCache;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }

    /**
     * oneDNN's three batch-norm primitives for one input shape, made once: training forward (computes the batch
     * mean and variance), inference forward (uses the running ones) and training backward (full gradient,
     * including the terms through the batch statistics). With {@code relu}, each also applies the ReLU
     * ({@code fuse_norm_relu}); the training passes then share a mask through oneDNN's workspace argument.
     *
     * <p>They run on channel blocks ({@code nChw8c}, {@code nChw16c} on AVX-512), converted to and from the layers'
     * plain NCHW through the thread's scratch buffers ({@link OneDnn.Staged}): oneDNN 2.5's plain-layout batch norm
     * is not vectorised.
     * Measured at [8, 256, 56, 56]: forward + backward 26.8 ms plain, 5.9 ms blocked; one conversion 1.5 ms.
     * Per-channel vectors are bound as they are.
     */
    private static final class Primitives implements OneDnn.Primitives {
        private static final int SCALE_AND_SHIFT =
                dnnl.normalization_flags.use_scale.value | dnnl.normalization_flags.use_shift.value;

        private final memory.desc blocked;
        private final memory.desc channels;
        private final float eps;
        private final int flags;
        private final batch_normalization_forward.primitive_desc trainingDesc;
        private final batch_normalization_forward training;
        private final batch_normalization_backward backward;
        private batch_normalization_forward inference;
        // Scratch slots: 0 for the input, 1 for the output or the incoming gradient, 2 for the outgoing gradient.
        private final OneDnn.Staged src;
        private final OneDnn.Staged dst;
        private final OneDnn.Staged diffDst;
        private final OneDnn.Staged diffSrc;
        // The per-channel vectors' memory and each pass's argument map, made once and re-pointed every call.
        private final OneDnn.Bound scale;
        private final OneDnn.Bound shift;
        private final OneDnn.Bound mean;
        private final OneDnn.Bound variance;
        private final OneDnn.Bound diffScale;
        private final OneDnn.Bound diffShift;
        private final OneDnn.Bound mask;       // null without a ReLU
        private final long maskBytes;
        private final IntMemoryMap forwardArgs = new IntMemoryMap();
        private final IntMemoryMap backwardArgs = new IntMemoryMap();

        /** {@code blockedInput}, {@code blockedOutput}: the layer holds them as channel blocks (else plain). */
        Primitives(long[] nchw, float eps, boolean relu, boolean blockedInput, boolean blockedOutput) {
            memory.desc heldInput = OneDnn.activation(nchw, blockedInput);
            memory.desc heldOutput = OneDnn.activation(nchw, blockedOutput);
            this.blocked = OneDnn.computeLayout(nchw);
            this.channels = OneDnn.rowMajor(new long[] {nchw[1]});
            this.eps = eps;
            this.flags = SCALE_AND_SHIFT | (relu ? dnnl.normalization_flags.fuse_norm_relu.value : 0);
            this.trainingDesc = new batch_normalization_forward.primitive_desc(new batch_normalization_forward.desc(
                    dnnl.prop_kind.forward_training.value, blocked, eps, flags), OneDnn.CPU);
            this.training = new batch_normalization_forward(trainingDesc);
            this.backward = new batch_normalization_backward(new batch_normalization_backward.primitive_desc(
                    new batch_normalization_backward.desc(dnnl.prop_kind.backward.value, blocked, blocked, eps,
                            flags), OneDnn.CPU, trainingDesc));
            memory.desc maskLayout = relu ? trainingDesc.workspace_desc() : null;
            this.mask = relu ? new OneDnn.Bound(maskLayout) : null;
            this.maskBytes = relu ? maskLayout.get_size() : 0;
            this.src = new OneDnn.Staged(heldInput, blocked, 0);
            this.dst = new OneDnn.Staged(heldOutput, blocked, 1);
            this.diffDst = new OneDnn.Staged(heldOutput, blocked, 1);
            this.diffSrc = new OneDnn.Staged(heldInput, blocked, 2);
            this.scale = new OneDnn.Bound(channels);
            this.shift = new OneDnn.Bound(channels);
            this.mean = new OneDnn.Bound(channels);
            this.variance = new OneDnn.Bound(channels);
            this.diffScale = new OneDnn.Bound(channels);
            this.diffShift = new OneDnn.Bound(channels);
        }

        private primitive inference() {
            if (inference == null) {
                inference = new batch_normalization_forward(new batch_normalization_forward.primitive_desc(
                        new batch_normalization_forward.desc(dnnl.prop_kind.forward_inference.value, blocked, eps,
                                flags | dnnl.normalization_flags.use_global_stats.value), OneDnn.CPU));
            }
            return inference;
        }

        /** The size of the ReLU mask a training forward writes (0 without a ReLU). */
        long maskBytes() {
            return maskBytes;
        }

        /**
         * Normalises {@code x} into {@code out}. Training: with the batch statistics, written to {@code mean} and
         * {@code variance}, and with a ReLU its mask to {@code reluMask}; inference: with the running ones, read
         * from them.
         */
        void forward(boolean isTraining, INDArray x, INDArray out, INDArray gamma, INDArray beta, INDArray mean,
                     INDArray variance, INDArray reluMask, stream stream) {
            IntMemoryMap args = perChannel(forwardArgs, gamma, beta, mean, variance);
            args.put(dnnl.DNNL_ARG_SRC, src.in(x, stream));
            args.put(dnnl.DNNL_ARG_DST, dst.out(out));
            if (isTraining && mask != null) {
                args.put(dnnl.DNNL_ARG_WORKSPACE, mask.to(reluMask));
            }
            (isTraining ? training : inference()).execute(stream, args);
            dst.finish(out, stream);
            stream._wait();
        }

        /** The full training backward: the input's gradient into {@code gradient}, gamma's and beta's too. */
        void backward(INDArray x, INDArray epsilon, INDArray gradient, INDArray gamma, INDArray beta, INDArray mean,
                      INDArray variance, INDArray reluMask, INDArray dGamma, INDArray dBeta, stream stream) {
            IntMemoryMap args = perChannel(backwardArgs, gamma, beta, mean, variance);
            if (mask != null) {
                args.put(dnnl.DNNL_ARG_WORKSPACE, mask.to(reluMask));
            }
            args.put(dnnl.DNNL_ARG_DIFF_SCALE, diffScale.to(dGamma));
            args.put(dnnl.DNNL_ARG_DIFF_SHIFT, diffShift.to(dBeta));
            args.put(dnnl.DNNL_ARG_SRC, src.in(x, stream));
            args.put(dnnl.DNNL_ARG_DIFF_DST, diffDst.in(epsilon, stream));
            args.put(dnnl.DNNL_ARG_DIFF_SRC, diffSrc.out(gradient));
            backward.execute(stream, args);
            diffSrc.finish(gradient, stream);
            stream._wait();
        }

        private IntMemoryMap perChannel(IntMemoryMap args, INDArray gamma, INDArray beta, INDArray mean,
                                        INDArray variance) {
            args.put(dnnl.DNNL_ARG_SCALE, scale.to(gamma));
            args.put(dnnl.DNNL_ARG_SHIFT, shift.to(beta));
            args.put(dnnl.DNNL_ARG_MEAN, this.mean.to(mean));
            args.put(dnnl.DNNL_ARG_VARIANCE, this.variance.to(variance));
            return args;
        }

        @Override
        public void close() {
            for (OneDnn.Staged s : new OneDnn.Staged[] {src, dst, diffDst, diffSrc}) {
                s.close();
            }
            for (OneDnn.Bound b : new OneDnn.Bound[] {scale, shift, mean, variance, diffScale, diffShift}) {
                b.close();
            }
            if (mask != null) {
                mask.close();
            }
            forwardArgs.close();
            backwardArgs.close();
            if (inference != null) {
                inference.close();
            }
            backward.close();
            training.close();
            trainingDesc.close();
            channels.close();
            blocked.close();
        }
    }
}
