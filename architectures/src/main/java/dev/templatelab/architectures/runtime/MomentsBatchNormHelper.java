package dev.templatelab.architectures.runtime;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
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
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.BatchNorm;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's oneDNN batch-norm helper ({@link MKLDNNBatchNormHelper}, 1.0.0-M2.1) with one change: in training,
 * the batch mean and variance come from libnd4j's {@code moments} op instead of a mean reduction plus ND4J's
 * {@code Variance} op. The {@code Variance} op (a per-element running-update reduction over the strided
 * (N, H, W) axes) was most of the helper's forward cost; {@code moments} gives the same numbers (population
 * variance, within float rounding of a double-precision reference) 2-3x faster on ResNet-50's shapes
 * (README "Performance"). Forward and backward are oneDNN's {@code batchnorm} / {@code batchnorm_bp}, called
 * exactly as DL4J's helper calls them.
 *
 * <p>{@link #install} puts it into a layer in place of DL4J's helper; {@code BatchNormalization}'s helper
 * field is package-private in M2.1, hence reflection. Drop this class when a DL4J release computes the
 * statistics as fast (or lets oneDNN compute them).
 */
public final class MomentsBatchNormHelper implements BatchNormalizationHelper {

    private static final Field HELPER_FIELD = helperField();

    private OpContext forward;
    private INDArray meanCache;
    private INDArray varCache;

    /**
     * Replaces the layer's DL4J oneDNN helper with this one. Leaves the layer alone when it has no oneDNN
     * helper (helpers off, another backend, or a configuration oneDNN does not support).
     *
     * @return whether the layer now runs on this helper
     */
    public static boolean install(BatchNormalization layer) {
        try {
            if (HELPER_FIELD.get(layer) instanceof MKLDNNBatchNormHelper) {
                HELPER_FIELD.set(layer, new MomentsBatchNormHelper());
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

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta && BaseMKLDNNHelper.mklDnnEnabled();
    }

    @Override
    public boolean checkSupported() {
        return BaseMKLDNNHelper.mklDnnEnabled();
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        if (x.dataType() != DataType.FLOAT) {
            return null;      // oneDNN batch norm is float only; the layer falls back to its own code
        }
        int axis = channelAxis(x, format);
        if (forward == null) {
            forward = Nd4j.getExecutioner().buildContext();
            forward.setIArguments(gamma != null ? 1 : 0, beta != null ? 1 : 0, axis);
            forward.setTArguments(eps);
        }
        INDArray m;
        INDArray v;
        if (training) {
            batchMoments(x, axis);
            m = meanCache;
            v = varCache;
        } else {
            m = vector(mean);
            v = vector(var);
        }
        forward.purge();
        forward.setInputArray(0, x);
        forward.setInputArray(1, m);
        forward.setInputArray(2, v);
        if (gamma != null && beta != null) {
            forward.setInputArray(3, vector(gamma));
            forward.setInputArray(4, vector(beta));
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
        forward.setOutputArray(0, out);
        Nd4j.exec(new BatchNorm(), forward);
        return out;
    }

    /** Batch mean and (population) variance per channel into the caches the layer reads after the forward. */
    private void batchMoments(INDArray x, int axis) {
        long channels = x.size(axis);
        if (meanCache == null || meanCache.length() != channels) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.createUninitialized(x.dataType(), channels);
                varCache = Nd4j.createUninitialized(x.dataType(), channels);
            }
        }
        int[] reduce = x.rank() == 2 ? new int[] {0} : axis == 1 ? new int[] {0, 2, 3} : new int[] {0, 1, 2};
        Nd4j.exec(DynamicCustomOp.builder("moments").addInputs(x).addIntegerArguments(reduce)
                .addOutputs(meanCache, varCache).build());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                     double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!Shape.hasDefaultStridesForShape(epsilon)) {
            epsilon = epsilon.dup('c');
        }
        if (input.dataType() != DataType.FLOAT) {
            return null;
        }
        int axis = channelAxis(input, format);
        List<INDArray> inputs = new ArrayList<>(List.of(input, meanCache, varCache));
        if (gamma != null) {
            inputs.add(vector(gamma));
        }
        if (beta != null) {
            inputs.add(vector(beta));
        }
        inputs.add(epsilon);
        DynamicCustomOp op = DynamicCustomOp.builder("batchnorm_bp")
                .addInputs(inputs.toArray(new INDArray[0]))
                .addIntegerArguments(gamma != null ? 1 : 0, beta != null ? 1 : 0, axis)
                .addFloatingPointArguments(eps)
                .build();
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(),
                input.shape());
        op.setOutputArgument(0, epsilonOut);
        op.setOutputArgument(1, workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, meanCache.dataType(),
                meanCache.shape()));
        op.setOutputArgument(2, workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, varCache.dataType(),
                varCache.shape()));
        if (dGammaView != null) {
            op.setOutputArgument(3, vector(dGammaView));
            op.setOutputArgument(4, vector(dBetaView));
        }
        Nd4j.exec(op);
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(gradient, epsilonOut);
    }

    private static int channelAxis(INDArray x, CNN2DFormat format) {
        return x.rank() == 2 || format == CNN2DFormat.NCHW ? 1 : 3;
    }

    /** oneDNN's batch-norm ops take rank-1 per-channel vectors; DL4J stores gamma, beta and the stats as [1, C]. */
    private static INDArray vector(INDArray a) {
        return a.rank() == 1 ? a : a.reshape(a.length());
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
}
