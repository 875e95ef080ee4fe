package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.runtime.OneDnnBatchNormHelper;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's batch normalization, computed the same way, whose run-time layer trains and infers on
 * {@link OneDnnBatchNormHelper} (oneDNN called directly; faster than DL4J's own oneDNN helper, see there).
 * Every batch norm of the templates is one of these, so networks restored from a checkpoint get the fast path
 * too. The name is from the helper's first version (batch statistics from libnd4j's {@code moments} op); it
 * stays because checkpoints store layer classes by name.
 */
public class MomentsBatchNormalization extends BatchNormalization {

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        Layer layer = super.instantiate(conf, listeners, layerIndex, paramsView, initializeParams, networkDataType);
        OneDnnBatchNormHelper.install((org.deeplearning4j.nn.layers.normalization.BatchNormalization) layer);
        return layer;
    }
}
