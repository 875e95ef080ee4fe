package dev.templatelab.architectures;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A built template: the DL4J configuration plus the names that make transfer learning a head swap.
 *
 * @param configuration the graph; its single input is {@link #INPUT}
 * @param input         the shape of that input
 * @param featureVertex the pooled feature vector the head reads (what transfer learning keeps)
 * @param headVertices  every vertex after {@code featureVertex}, in order, ending with {@link #OUTPUT}
 */
public record TemplateGraph(ComputationGraphConfiguration configuration, InputType input, String featureVertex,
                            List<String> headVertices) {

    public static final String INPUT = "input";
    public static final String OUTPUT = "classifier";

    public TemplateGraph {
        headVertices = List.copyOf(headVertices);
        if (!configuration.getVertices().containsKey(featureVertex)) {
            throw new IllegalArgumentException("feature vertex '" + featureVertex + "' is not in the graph");
        }
        for (String v : headVertices) {
            if (!configuration.getVertices().containsKey(v)) {
                throw new IllegalArgumentException("head vertex '" + v + "' is not in the graph");
            }
        }
    }

    /** A fresh network with weights drawn from {@code seed}. */
    public ComputationGraph newNetwork(long seed) {
        Nd4jRuntime.configure();
        ComputationGraphConfiguration conf = configuration.clone();
        conf.getDefaultConfiguration().setSeed(seed);
        conf.getVertices().values().stream()
                .filter(LayerVertex.class::isInstance)
                .map(v -> ((LayerVertex) v).getLayerConf())
                .forEach(layerConf -> layerConf.setSeed(seed));
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        Nd4jRuntime.prepare(net);
        return net;
    }

    /** Names of the layers with parameters that belong to the backbone (everything before the head). */
    public Set<String> backboneLayers() {
        Set<String> head = Set.copyOf(headVertices);
        return configuration.getVertices().entrySet().stream()
                .filter(e -> e.getValue() instanceof LayerVertex lv && lv.numParams(false) > 0)
                .map(e -> e.getKey())
                .filter(name -> !head.contains(name))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
