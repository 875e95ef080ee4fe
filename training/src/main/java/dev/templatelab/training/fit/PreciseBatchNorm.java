package dev.templatelab.training.fit;

import dev.templatelab.architectures.runtime.BlockedActivations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Precise batch norm (pycls / detectron2 "PreciseBN"): recompute every batch-norm layer's running mean and
 * variance with the current weights, as the plain average of the batch statistics over a few training batches.
 *
 * <p>Why: the running averages (decay 0.9) mix statistics of weights from the last ~10 steps. Early in
 * training, with a high learning rate, they lag behind, and in a deep network evaluated with them the error
 * compounds layer after layer. Measured on the digits (ResNet-50 RSB at 32 px after one epoch, residual
 * branches zero-initialised): 27 % accuracy with the running averages, 90 % with batch statistics.
 */
public final class PreciseBatchNorm {

    private PreciseBatchNorm() {
    }

    /**
     * Recomputes the statistics from up to {@code maxBatches} batches of {@code batches} (from its current
     * position; the caller resets it), forwarding in training mode so each layer sees what it sees in training.
     *
     * @return the number of batches used (0 leaves the network unchanged)
     */
    public static int recompute(ComputationGraph net, DataSetIterator batches, int maxBatches) {
        Map<String, String> inputOf = new LinkedHashMap<>();
        net.getConfiguration().getVertices().forEach((name, vertex) -> {
            if (vertex instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNormalization bn) {
                if (bn.isUseLogStd()) {
                    throw new IllegalStateException("batch norm " + name + " stores log10(std); precise BN expects the variance");
                }
                inputOf.put(name, net.getConfiguration().getVertexInputs().get(name).get(0));
            }
        });
        if (inputOf.isEmpty() || maxBatches <= 0) {
            return 0;
        }
        Map<String, INDArray> meanSum = new LinkedHashMap<>();
        Map<String, INDArray> varSum = new LinkedHashMap<>();
        int used = 0;
        while (used < maxBatches && batches.hasNext()) {
            DataSet batch = batches.next();
            Map<String, INDArray> activations = net.feedForward(batch.getFeatures(), true);
            for (Map.Entry<String, String> e : inputOf.entrySet()) {
                INDArray x = BlockedActivations.plain(net, e.getValue(), activations.get(e.getValue()))
                        .castTo(DataType.FLOAT);
                int[] dims = x.rank() == 4 ? new int[] {0, 2, 3} : new int[] {0};
                accumulate(meanSum, e.getKey(), x.mean(dims));
                accumulate(varSum, e.getKey(), x.var(false, dims));     // biased, as batch norm normalises with
            }
            used++;
        }
        if (used == 0) {
            return 0;
        }
        List<String> names = new ArrayList<>(inputOf.keySet());
        for (String name : names) {
            var layer = net.getLayer(name);
            INDArray mean = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN);
            INDArray var = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR);
            mean.assign(meanSum.get(name).divi(used).reshape(mean.shape()).castTo(mean.dataType()));
            var.assign(varSum.get(name).divi(used).reshape(var.shape()).castTo(var.dataType()));
        }
        return used;
    }

    private static void accumulate(Map<String, INDArray> sums, String key, INDArray value) {
        INDArray sum = sums.get(key);
        if (sum == null) {
            sums.put(key, value.dup());
        } else {
            sum.addi(value);
        }
    }
}
