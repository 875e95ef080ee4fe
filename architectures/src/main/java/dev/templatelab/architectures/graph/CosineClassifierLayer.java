package dev.templatelab.architectures.graph;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scaled cosine classifier: {@code logits = scale * x . (W / ||W||)}, one unit-norm weight column per class.
 * Fed an L2-normalised embedding, each logit is {@code scale} times the cosine between the embedding and a
 * class direction (NormFace / CosFace without margin). The scale is an inverse temperature: with unit
 * vectors the logits are bounded by +-scale, so softmax needs scale ~ 10-30 to become confident.
 *
 * <p>Forward and backward are written out here rather than as a DL4J {@code SameDiffLayer}: in DL4J
 * 1.0.0-M2.1 a SameDiff layer followed by a loss layer returned exactly twice the true gradient, for its
 * own weights and for everything below it (found by {@code GradientCheckTest}; even a bare {@code x.mmul(W)}
 * did it). Weights: {@code W} is {@code [inputs, classes]}, no bias.
 */
public class CosineClassifierLayer extends DenseLayer {

    public static final String WEIGHT = DefaultParamInitializer.WEIGHT_KEY;

    private double scale;

    /** For JSON deserialisation. */
    public CosineClassifierLayer() {
        setHasBias(false);
        setActivationFn(new ActivationIdentity());
    }

    public CosineClassifierLayer(long classes, double scale) {
        this();
        setNOut(classes);
        this.scale = scale;
    }

    public double getScale() {
        return scale;
    }

    public void setScale(double scale) {
        this.scale = scale;
    }

    /** Embedding size (the layer's nIn). */
    public long getInputSize() {
        return getNIn();
    }

    public long getClasses() {
        return getNOut();
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new Impl(conf, networkDataType), this, conf, listeners, layerIndex, paramsView,
                initializeParams);
    }

    /** The layer at run time: DL4J's dense layer with the cosine forward and its exact backward. */
    static final class Impl extends org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer {

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private double scale() {
            return ((CosineClassifierLayer) conf().getLayer()).getScale();
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(false);
            INDArray w = getParam(WEIGHT);
            INDArray unit = w.divRowVector(w.norm2(true, 0));
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.size(0), w.size(1));
            input.castTo(w.dataType()).mmuli(unit, out);
            return out.muli(scale());
        }

        /**
         * With {@code u = w / |w|} per column and {@code dz = dL/dlogits}: {@code dL/dx = scale dz u^T};
         * {@code dL/du = scale x^T dz}; {@code dL/dw = (dL/du - u (u . dL/du)) / |w|} (the normalisation's
         * Jacobian removes the radial part).
         */
        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(true);
            INDArray w = getParam(WEIGHT);
            INDArray norms = w.norm2(true, 0);
            INDArray unit = w.divRowVector(norms);
            INDArray dz = epsilon.mul(scale());
            INDArray dUnit = input.castTo(w.dataType()).transpose().mmul(dz);
            INDArray radial = unit.mul(dUnit).sum(true, 0);
            INDArray dW = gradientViews.get(WEIGHT);
            dW.assign(dUnit.subi(unit.mulRowVector(radial)).diviRowVector(norms));
            INDArray dInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, w.dataType(), input.shape());
            dz.mmuli(unit.transpose(), dInput);
            Gradient gradient = new DefaultGradient();
            gradient.gradientForVariable().put(WEIGHT, dW);
            return new Pair<>(gradient, dInput);
        }
    }
}
