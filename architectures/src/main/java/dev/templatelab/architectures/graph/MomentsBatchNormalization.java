package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.runtime.BatchNormReluLayer;
import dev.templatelab.architectures.runtime.OneDnnBatchNormHelper;
import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's batch normalization, computed the same way, whose run-time layer trains and infers on
 * {@link OneDnnBatchNormHelper} (oneDNN called directly; faster than DL4J's own oneDNN helper, see there).
 * Every batch norm of the templates is one of these, so networks restored from a checkpoint get the fast path
 * too. The name is from the helper's first version (batch statistics from libnd4j's {@code moments} op); it
 * stays because checkpoints store layer classes by name.
 *
 * <p>With {@link #setRelu relu} the layer also applies the ReLU that follows it ({@link BatchNormReluLayer}; on the
 * fast path one oneDNN pass for both). Checkpoints saved before this existed have a separate ReLU layer instead
 * and load as they were.
 */
public class MomentsBatchNormalization extends BatchNormalization {

    private boolean relu;

    /** Whether a ReLU follows the batch norm in this same layer. */
    public boolean isRelu() {
        return relu;
    }

    public void setRelu(boolean relu) {
        this.relu = relu;
    }

    /**
     * DL4J's switch to its own code after a helper error, off with a ReLU: falling back between a fused forward and
     * its backward would read an unmasked gradient ({@link BatchNormReluLayer}); a helper error fails the step.
     */
    @Override
    public boolean isCudnnAllowFallback() {
        return !relu && super.isCudnnAllowFallback();
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        org.deeplearning4j.nn.layers.normalization.BatchNormalization layer;
        if (relu) {
            LayerValidation.assertNOutSet("BatchNormalization", getLayerName(), layerIndex, getNOut());
            layer = LayerWiring.wire(new BatchNormReluLayer(conf, networkDataType), this, conf, listeners, layerIndex,
                    paramsView, initializeParams);
        } else {
            layer = (org.deeplearning4j.nn.layers.normalization.BatchNormalization) super.instantiate(conf, listeners,
                    layerIndex, paramsView, initializeParams, networkDataType);
        }
        OneDnnBatchNormHelper.install(layer, relu);
        return layer;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MomentsBatchNormalization other && relu == other.relu && super.equals(o);
    }

    /** Lombok's equals in DL4J's layer asks this, so that a plain batch norm never equals one of these. */
    @Override
    protected boolean canEqual(Object other) {
        return other instanceof MomentsBatchNormalization;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), relu);
    }
}
