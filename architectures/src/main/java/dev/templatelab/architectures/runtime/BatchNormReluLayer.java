package dev.templatelab.architectures.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A batch norm and the ReLU after it as one layer: {@code relu(bn(x))}. Every conv -> BN -> ReLU unit of the
 * templates ends in one of these.
 *
 * <p>Why one layer: on the fast path {@link OneDnnBatchNormHelper} computes both in one oneDNN batch norm
 * ({@code fuse_norm_relu}) and skips the ReLU's own passes over the activations, forward and backward (the
 * separate ReLU layers took about 4 % of a training step). The ReLU cannot be fused across two DL4J layers: DL4J
 * frees each layer's gradient workspace as soon as the layer before has read it, so a ReLU layer that handed its
 * incoming gradient on unchanged would hand on memory about to be reused.
 *
 * <p>Where the helper does not run (helpers off, double precision, another backend) this is DL4J's batch norm
 * followed by DL4J's ReLU, computed here: ReLU in place on the batch norm's fresh output, and in the backward the
 * gradient masked where that output is zero before DL4J's batch-norm backward reads it. A helper error must not
 * fall back to DL4J's code half way (its backward would read an unmasked gradient), so the configuration turns
 * DL4J's helper fallback off for these layers ({@code MomentsBatchNormalization}): an error fails the step instead,
 * and DL4J calls the helper on every pass.
 */
public final class BatchNormReluLayer extends BatchNormalization {

    /** The last forward's output, when this layer applied the ReLU: its zeros are the backward's mask. */
    private INDArray rectified;

    public BatchNormReluLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean helperAppliedRelu() {
        return getHelper() instanceof OneDnnBatchNormHelper helper && helper.appliedRelu();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = super.activate(training, workspaceMgr);
        if (helperAppliedRelu()) {
            rectified = null;
            return out;
        }
        if (layerConf().isLockGammaBeta()) {
            out = workspaceMgr.dup(ArrayType.ACTIVATIONS, out);    // DL4J may have returned its own xHat
        }
        rectified = Transforms.relu(out, false);        // in place on the batch norm's new output
        return rectified;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (rectified == null) {                         // the helper's backward masks the gradient itself
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        // d relu(z)/dz is 1 where relu(z) > 0, as where z > 0: the output gives the mask
        INDArray mask = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, rectified, rectified.ordering());
        INDArray masked = new ActivationReLU().backprop(mask, epsilon).getFirst();
        return super.backpropGradient(masked, workspaceMgr);
    }

    @Override
    public void clear() {
        super.clear();
        rectified = null;
    }
}
