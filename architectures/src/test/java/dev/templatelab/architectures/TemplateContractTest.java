package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.templatelab.architectures.stats.ModelStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The contract every registered template keeps. Driven by the registry: a new template is tested
 * here without new test code.
 */
class TemplateContractTest {

    private static final TemplateSpec SMALL = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);

    static Stream<Template> templates() {
        return TemplateRegistry.standard().list().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void buildsThePublishedSizeWithFiniteOutputs(Template template) {
        TemplateSpec spec = TemplateSpec.of(1000, 224);
        TemplateGraph graph = template.build(spec);
        ComputationGraph net = graph.newNetwork(1);
        INDArray out = net.outputSingle(Networks.randomBatch(spec, 1, 7, false).getFeatures());
        assertThat(out.shape()).containsExactly(1, 1000);
        assertThat(out.isInfinite().any() || out.isNaN().any()).isFalse();
        assertThat(out.sumNumber().doubleValue()).isCloseTo(1.0, within(1e-4));
        ModelStats stats = ModelStats.of(graph, net);
        assertThat(stats.trainableParams()).isBetween(5_000_000L, 30_000_000L);
        assertThat(stats.macs()).isBetween(1_000_000_000L, 6_000_000_000L);
    }

    /** The output's inferred size is the class count (a loss layer's left at 0 had DL4J warn at every build). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void theConfigurationKnowsTheOutputSize(Template template) {
        TemplateGraph graph = template.build(SMALL);
        var types = graph.configuration().getLayerActivationTypes(graph.input());
        assertThat(types.get(TemplateGraph.OUTPUT).arrayElementsPerExample()).isEqualTo(SMALL.numClasses());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void smallSoftmaxNetworkGivesDistributions(Template template) {
        ComputationGraph net = template.build(SMALL).newNetwork(2);
        INDArray out = net.outputSingle(Networks.randomBatch(SMALL, 4, 3, false).getFeatures());
        assertThat(out.shape()).containsExactly(4, 5);
        assertThat(out.isNaN().any()).isFalse();
        for (int i = 0; i < 4; i++) {
            assertThat(out.getRow(i).sumNumber().doubleValue()).isCloseTo(1.0, within(1e-4));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void smallSigmoidNetworkGivesIndependentProbabilities(Template template) {
        TemplateSpec spec = SMALL.withHead(HeadActivation.SIGMOID);
        ComputationGraph net = template.build(spec).newNetwork(2);
        // Training-mode forward: BN normalises with batch statistics, so an untrained deep residual
        // stack does not saturate every sigmoid the way inference with fresh running statistics can.
        INDArray out = net.feedForward(Networks.randomBatch(spec, 4, 3, true).getFeatures(), true).get(TemplateGraph.OUTPUT);
        assertThat(out.shape()).containsExactly(4, 5);
        assertThat(out.minNumber().doubleValue()).isGreaterThan(0.0);
        assertThat(out.maxNumber().doubleValue()).isLessThan(1.0);
        // Independent sigmoids: rows are not forced to sum to one.
        double rowSum = out.getRow(0).sumNumber().doubleValue();
        assertThat(Math.abs(rowSum - 1.0)).isGreaterThan(1e-3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void serialisationRoundTripKeepsOutputs(Template template) throws Exception {
        ComputationGraph net = Networks.withUpdater(template.build(SMALL), new Adam(1e-3), 4);
        DataSet batch = Networks.randomBatch(SMALL, 4, 5, false);
        net.fit(batch);       // move BN statistics and updater state away from their initial values
        INDArray before = net.outputSingle(batch.getFeatures());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);

        assertThat(restored.getConfiguration().toJson()).isEqualTo(net.getConfiguration().toJson());
        assertThat(restored.params()).isEqualTo(net.params());
        assertThat(restored.outputSingle(batch.getFeatures())).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void aFewTrainingStepsLowerTheLossOnATinyBatch(Template template) {
        ComputationGraph net = Networks.withUpdater(template.build(SMALL), new Adam(3e-3), 11);
        DataSet batch = Networks.randomBatch(SMALL, 8, 13, false);
        net.fit(batch);
        double first = net.score();
        for (int i = 0; i < 14; i++) {
            net.fit(batch);
        }
        double last = net.score();
        assertThat(last).as("loss after 15 steps vs first step").isLessThan(first * 0.7);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void headAndBackboneAreSeparatelyAddressable(Template template) {
        TemplateGraph graph = template.build(SMALL);
        assertThat(graph.headVertices()).last().isEqualTo(TemplateGraph.OUTPUT);
        assertThat(graph.configuration().getVertices()).containsKey(graph.featureVertex());
        assertThat(graph.backboneLayers()).isNotEmpty().doesNotContainAnyElementsOf(graph.headVertices());
        assertThat(template.defaults().data().imageSize()).isGreaterThanOrEqualTo(224);
        assertThat(template.defaults().hyperparameters()).isNotEmpty();
    }

    /**
     * The graph's backbone blocks are the ones the template names, in order; freezing more blocks freezes a strict
     * superset of layers, and freezing them all is the whole backbone (nothing of the head).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void backboneBlocksNestFromTheInputToTheWholeBackbone(Template template) {
        TemplateGraph graph = template.build(SMALL);
        assertThat(graph.backboneBlocks().keySet()).containsExactlyElementsOf(template.backboneBlocks());
        assertThat(template.backboneBlocks()).first().isEqualTo("stem");
        java.util.Set<String> previous = graph.layersOfFirstBlocks(0);
        assertThat(previous).isEmpty();
        for (int n = 1; n <= template.backboneBlocks().size(); n++) {
            java.util.Set<String> frozen = graph.layersOfFirstBlocks(n);
            assertThat(frozen).as("%d blocks", n).containsAll(previous).hasSizeGreaterThan(previous.size());
            previous = frozen;
        }
        assertThat(previous).isEqualTo(graph.backboneLayers());
        int all = template.backboneBlocks().size();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> graph.layersOfFirstBlocks(all + 1))
                .hasMessageStartingWith("frozen_blocks must be 0.." + all + " (this backbone's blocks: stem, ");
    }
}
