package dev.templatelab.training.transfer;

import dev.templatelab.architectures.TemplateGraph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
            Map<String, INDArray> fromParams = paramsOf(layer -> {
                // getLayer throws for a name the graph lacks and returns null for a vertex that is no layer
                Layer from = source.getConfiguration().getVertices().containsKey(layer) ? source.getLayer(layer) : null;
                return from == null ? null : from.paramTable();
            }, name);
            if (fromParams == null) {
                problems.add("pretrained weights have no layer '" + name + "'");
                continue;
            }
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

    /**
     * The parameters of layer {@code name} in {@code layers}, or, for a grouped convolution stored as one layer
     * per group ({@code <name>_group0}, {@code _group1}, ...: TemplateLab's graphs before 2026-11-29, and Keras
     * files, whose import has no grouped convolution), the groups' parameters joined in order along the output
     * channels, the layout of {@code Convolution}'s {@code [out, in/groups, k, k]} weight. Null if neither
     * exists.
     */
    static Map<String, INDArray> paramsOf(Function<String, Map<String, INDArray>> layers, String name) {
        Map<String, INDArray> own = layers.apply(name);
        if (own != null) {
            return own;
        }
        List<Map<String, INDArray>> groups = new ArrayList<>();
        for (Map<String, INDArray> group = layers.apply(name + "_group0"); group != null;
             group = layers.apply(name + "_group" + groups.size())) {
            groups.add(group);
        }
        if (groups.isEmpty()) {
            return null;
        }
        Map<String, INDArray> joined = new LinkedHashMap<>();
        for (String param : groups.get(0).keySet()) {
            INDArray[] pieces = groups.stream().map(group -> group.get(param)).toArray(INDArray[]::new);
            if (Arrays.stream(pieces).noneMatch(Objects::isNull)) {
                joined.put(param, Nd4j.concat(0, pieces));     // else missing: reported by the caller
            }
        }
        return joined;
    }
}
