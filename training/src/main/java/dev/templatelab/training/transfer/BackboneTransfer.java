package dev.templatelab.training.transfer;

import dev.templatelab.architectures.TemplateGraph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Transfer learning as a head swap: a network for the target classes whose backbone layers take the
 * weights (and batch-norm statistics) of a pretrained network of the same template (or of a Keras model,
 * {@link KerasWeightsImport}), while the head keeps its fresh initialisation. Every backbone parameter must be
 * found with the same shape: a missing or differently shaped tensor is an error naming it, never silently skipped.
 */
public final class BackboneTransfer {

    private BackboneTransfer() {
    }

    /**
     * Copies every backbone parameter of {@code target} from the pretrained network {@code source}, called
     * {@code sourceName} in errors ("pretrained weights 'imagenet'").
     */
    public static long copyBackbone(ComputationGraph source, String sourceName, ComputationGraph target,
                                    TemplateGraph targetGraph) {
        return copyBackbone(layer -> {
            // getLayer throws for a name the graph lacks and returns null for a vertex that is no layer
            Layer from = source.getConfiguration().getVertices().containsKey(layer) ? source.getLayer(layer) : null;
            return from == null ? null : from.paramTable();
        }, sourceName, target, targetGraph);
    }

    /**
     * Copies every backbone parameter of {@code target} from {@code source} (a layer's parameters by layer name;
     * null for a layer it lacks), after checking all of them: nothing is changed unless every tensor is found with
     * the same shape. Returns how many values were copied.
     *
     * @param sourceName what {@code source} is, for the error ("the pretrained weights", "the Keras model")
     * @throws IllegalArgumentException naming the first mismatch in graph order and counting the others
     */
    public static long copyBackbone(Function<String, Map<String, INDArray>> source, String sourceName,
                                    ComputationGraph target, TemplateGraph targetGraph) {
        Set<String> backbone = targetGraph.backboneLayers();
        List<String> ordered = target.getConfiguration().getTopologicalOrderStr().stream()
                .filter(backbone::contains).toList();
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, INDArray>> found = new LinkedHashMap<>();
        for (String name : ordered) {
            Map<String, INDArray> from = paramsOf(source, name);
            if (from == null) {
                problems.add(sourceName + " has no layer '" + name + "'");
                continue;
            }
            found.put(name, from);
            for (Map.Entry<String, INDArray> p : target.getLayer(name).paramTable().entrySet()) {
                INDArray src = from.get(p.getKey());
                if (src == null) {
                    problems.add("layer '" + name + "' of " + sourceName + " has no parameter '" + p.getKey()
                            + "' (it has " + from.keySet() + ")");
                } else if (!Arrays.equals(src.shape(), p.getValue().shape())) {
                    problems.add("parameter '" + p.getKey() + "' of layer '" + name + "' has shape "
                            + Arrays.toString(src.shape()) + " in " + sourceName + " but the template needs "
                            + Arrays.toString(p.getValue().shape())
                            + " (another width_multiplier or input channels, or another architecture?)");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the template's backbone does not match " + sourceName + ": "
                    + problems.get(0) + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more mismatches)" : ""));
        }
        long copied = 0;
        for (String name : ordered) {
            for (Map.Entry<String, INDArray> p : target.getLayer(name).paramTable().entrySet()) {
                INDArray src = found.get(name).get(p.getKey());
                p.getValue().assign(src);
                copied += src.length();
            }
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
