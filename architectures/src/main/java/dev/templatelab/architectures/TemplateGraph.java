package dev.templatelab.architectures;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * @param backboneBlocks the backbone's blocks from the input (stem, then stages or modules), each with its last
 *                      vertex: what {@code frozen_blocks} counts ({@link Template#backboneBlocks} names them)
 */
public record TemplateGraph(ComputationGraphConfiguration configuration, InputType input, String featureVertex,
                            List<String> headVertices, Map<String, String> backboneBlocks) {

    public static final String INPUT = "input";
    public static final String OUTPUT = "classifier";

    /** A graph without named backbone blocks (test networks). */
    public TemplateGraph(ComputationGraphConfiguration configuration, InputType input, String featureVertex,
                         List<String> headVertices) {
        this(configuration, input, featureVertex, headVertices, Map.of());
    }

    public TemplateGraph {
        headVertices = List.copyOf(headVertices);
        backboneBlocks = Collections.unmodifiableMap(new LinkedHashMap<>(backboneBlocks));
        for (String v : backboneBlocks.values()) {
            if (!configuration.getVertices().containsKey(v) || headVertices.contains(v)) {
                throw new IllegalArgumentException("block end '" + v + "' is not a backbone vertex of the graph");
            }
        }
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

    /**
     * The layers with parameters in the first {@code count} backbone blocks: every layer the last vertex of block
     * {@code count} depends on, itself included.
     *
     * @throws IllegalArgumentException if the backbone has fewer blocks
     */
    public Set<String> layersOfFirstBlocks(int count) {
        if (count < 0 || count > backboneBlocks.size()) {
            throw new IllegalArgumentException("frozen_blocks must be 0.." + backboneBlocks.size() + " (this backbone's "
                    + "blocks: " + String.join(", ", backboneBlocks.keySet()) + "), got " + count);
        }
        if (count == 0) {
            return Set.of();
        }
        String end = List.copyOf(backboneBlocks.values()).get(count - 1);
        Set<String> upstream = new java.util.HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(end));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (upstream.add(v)) {
                todo.addAll(configuration.getVertexInputs().getOrDefault(v, List.of()));
            }
        }
        return layersWithParameters().stream().filter(upstream::contains)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private Set<String> layersWithParameters() {
        return configuration.getVertices().entrySet().stream()
                .filter(e -> e.getValue() instanceof LayerVertex lv && lv.numParams(false) > 0)
                .map(Map.Entry::getKey)
                .collect(Collectors.toSet());
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
