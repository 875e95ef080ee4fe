package dev.templatelab.training.transfer;

import dev.templatelab.architectures.TemplateGraph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Transfer learning as a head swap: a network for the target classes whose backbone layers take the
 * weights (and batch-norm statistics) of a pretrained network of the same template, while the head keeps
 * its fresh initialisation. Every backbone parameter must be found with the same shape: a missing or
 * differently shaped tensor is an error naming it, never silently skipped.
 */
public final class BackboneTransfer {

    private BackboneTransfer() {
    }

    /** Copies every backbone parameter of {@code target} from {@code source}; returns how many values were copied. */
    public static long copyBackbone(ComputationGraph source, ComputationGraph target, TemplateGraph targetGraph) {
        List<String> problems = new ArrayList<>();
        long copied = 0;
        for (String name : targetGraph.backboneLayers()) {
            Layer to = target.getLayer(name);
            Layer from = source.getLayer(name);
            if (from == null) {
                problems.add("pretrained weights have no layer '" + name + "'");
                continue;
            }
            Map<String, INDArray> fromParams = from.paramTable();
            for (Map.Entry<String, INDArray> p : to.paramTable().entrySet()) {
                INDArray src = fromParams.get(p.getKey());
                if (src == null) {
                    problems.add(name + "_" + p.getKey() + " is missing in the pretrained weights");
                } else if (!Arrays.equals(src.shape(), p.getValue().shape())) {
                    problems.add(name + "_" + p.getKey() + " has shape " + Arrays.toString(src.shape())
                            + " in the pretrained weights but " + Arrays.toString(p.getValue().shape())
                            + " here (different width multiplier or input channels?)");
                } else {
                    p.getValue().assign(src);
                    copied += src.length();
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("pretrained weights do not fit this network: " + String.join("; ", problems));
        }
        return copied;
    }
}
