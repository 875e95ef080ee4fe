package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.graph.AddRelu;
import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.Convolution;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import dev.templatelab.architectures.graph.ReluActivation;
import dev.templatelab.architectures.inference.InferenceNetwork;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link InferenceNetwork} folds each batch norm into the convolution before it and computes what the trained
 * network computes in inference, for every template: in double precision to 1e-9 (the same maths, only the
 * order of operations differs), and on the float fast path, where the folded convolutions (now with biases) run
 * on oneDNN. Batch-norm statistics and scales are set away from their initial values first, or folding them
 * would hardly change a weight.
 */
@Tag("channel-blocks")
@ExtendWith(RestoresHelperSwitch.class)
class InferenceNetworkTest {

    private static final TemplateSpec SMALL = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);

    static Stream<String> templates() {
        return TemplateRegistry.standard().list().stream().map(Template::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void computesWhatTheTrainedNetworkComputes(String name) {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        TemplateGraph graph = TemplateRegistry.standard().get(name).build(SMALL);
        ComputationGraph trained = graph.newNetwork(3);
        moveBatchNormStatistics(trained, 11);
        INDArray before = trained.params().dup();
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 64, 64);

        ComputationGraph folded = InferenceNetwork.of(trained);
        int pairs = pairs(trained, BatchNormalization.class);
        assertThat(pairs).as("%s: convolutions followed by a batch norm", name).isPositive();
        assertThat(pairs(folded, BatchNormalization.class)).as("%s: batch norms left after convolutions", name).isZero();
        assertThat(pairs(folded, ReluActivation.class)).as("%s: ReLUs left after convolutions", name).isZero();
        assertThat(relusAfterSums(folded)).as("%s: ReLUs left after residual sums", name).isZero();
        assertThat(folded.getVertices().length).as("%s: vertices (batch norms and ReLUs gone)", name)
                .isEqualTo(trained.getVertices().length - pairs - pairs(trained, ReluActivation.class)
                        - relusAfterSums(trained));
        assertThat(trained.params()).as("%s: the trained network is left unchanged", name).isEqualTo(before);
        // the features too: a head initialised at zero (ResNet's) would make every output the same
        String features = graph.featureVertex();
        FastAndStock.assertRelative(name + " float fast path, features", folded.feedForward(x, false).get(features),
                trained.feedForward(x, false).get(features), 1e-4);
        FastAndStock.assertRelative(name + " float fast path, output", folded.outputSingle(false, x),
                trained.outputSingle(false, x), 1e-4);
        FastAndStock.assertNoHelperFellBack(name, folded);
        // the data loss (without the weight penalty, which folding changes), as evaluation reports it
        org.nd4j.linalg.dataset.DataSet batch = Networks.randomBatch(SMALL, 4, 7, false);
        double trainedLoss = trained.score(batch, false) - trained.calcRegularizationScore(true);
        double foldedLoss = folded.score(batch, false) - folded.calcRegularizationScore(true);
        assertThat(foldedLoss).as("%s: data loss", name).isCloseTo(trainedLoss, org.assertj.core.data.Offset.offset(
                1e-4 * Math.abs(trainedLoss)));

        ComputationGraph trainedDouble = trained.convertDataType(DataType.DOUBLE);
        ComputationGraph foldedDouble = InferenceNetwork.of(trainedDouble);
        INDArray xDouble = x.castTo(DataType.DOUBLE);
        FastAndStock.assertRelative(name + " double precision, features", foldedDouble.feedForward(xDouble, false)
                .get(features), trainedDouble.feedForward(xDouble, false).get(features), 1e-9);
        FastAndStock.assertRelative(name + " double precision, output", foldedDouble.outputSingle(false, xDouble),
                trainedDouble.outputSingle(false, xDouble), 1e-9);
    }

    @Test
    void foldsBiasAndTheScaleFreeBatchNormToo() {
        // a convolution with its own bias, then TF-slim's batch norm without gamma
        GraphCursor x = GraphCursor.start(SMALL, Padding.EXPLICIT, BatchNormStyle.TF_SLIM_INCEPTION)
                .conv("conv", 16, 3, 1, 1, true).batchNorm("bn").relu("relu");
        ComputationGraph trained = x.globalAvgPool("pool").denseClassifier(SMALL.numClasses(), SMALL.head(), 1.0)
                .build("pool", List.of(TemplateGraph.OUTPUT)).newNetwork(5);
        moveBatchNormStatistics(trained, 12);
        trained.getLayer("conv").getParam("b").assign(Nd4j.randn(DataType.FLOAT, 1, 8));
        ComputationGraph trainedDouble = trained.convertDataType(DataType.DOUBLE);
        INDArray input = Nd4j.rand(DataType.DOUBLE, 2, 3, 64, 64);
        ComputationGraph folded = InferenceNetwork.of(trainedDouble);
        assertThat(folded.getConfiguration().getVertices()).doesNotContainKeys("bn", "relu");
        assertThat(folded.getConfiguration().getVertexInputs().get("pool")).containsExactly("conv");
        FastAndStock.assertRelative("conv with bias + scale-free batch norm", folded.outputSingle(false, input),
                trainedDouble.outputSingle(false, input), 1e-9);
    }

    @Test
    void aGroupedConvolutionWithItsReluFusedRefusesToTrain() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph folded = InferenceNetwork.of(TemplateRegistry.standard().get("Clarifai_ResNext").build(SMALL)
                .newNetwork(1));
        org.nd4j.linalg.dataset.DataSet batch = Networks.randomBatch(SMALL, 2, 1, false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> folded.fit(batch))
                .hasMessageContaining("belongs to an inference network");
    }

    @Test
    void joinsTheSumAndReluOfOlderGraphs() {
        // before AddRelu a ResNet block ended in DL4J's sum and a ReLU layer, as checkpoints saved then still do
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        GraphCursor x = GraphCursor.start(SMALL, Padding.EXPLICIT, BatchNormStyle.PYTORCH).conv("pre", 16, 3, 2, 1, false);
        GraphCursor block = x.branch().conv("res", 16, 3, 1, 1, false).add("sum", x).relu("sum_relu");
        ComputationGraph trained = block.globalAvgPool("pool").denseClassifier(SMALL.numClasses(), SMALL.head(), 1.0)
                .build("pool", List.of(TemplateGraph.OUTPUT)).newNetwork(5);
        assertThat(relusAfterSums(trained)).isEqualTo(1);
        ComputationGraph folded = InferenceNetwork.of(trained);
        assertThat(folded.getConfiguration().getVertices()).doesNotContainKey("sum_relu");
        assertThat(folded.getConfiguration().getVertices().get("sum")).isInstanceOf(AddRelu.class);
        INDArray input = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64);
        FastAndStock.assertRelative("sum and ReLU joined", folded.outputSingle(false, input),
                trained.outputSingle(false, input), 1e-5);
    }

    @Test
    void residualTemplatesEndTheirBlocksInOneSumAndRelu() {
        for (String name : List.of("MMClassification_ResNet_50_RSB_A1", "Clarifai_ResNext")) {
            var vertices = TemplateRegistry.standard().get(name).build(SMALL).configuration().getVertices().values();
            assertThat(vertices.stream().filter(AddRelu.class::isInstance).count()).as(name).isEqualTo(16);
            assertThat(vertices.stream().filter(v -> v.getClass() == org.deeplearning4j.nn.conf.graph.ElementWiseVertex.class)
                    .count()).as(name + ": sums left without their ReLU").isZero();
        }
    }

    /** ReLU layers that read only a two-input sum which nothing else reads. */
    private static int relusAfterSums(ComputationGraph net) {
        Map<String, GraphVertex> vertices = net.getConfiguration().getVertices();
        Map<String, List<String>> inputs = net.getConfiguration().getVertexInputs();
        int count = 0;
        for (Map.Entry<String, GraphVertex> e : vertices.entrySet()) {
            if (e.getValue() instanceof LayerVertex v && v.getLayerConf().getLayer() instanceof ReluActivation) {
                String source = inputs.get(e.getKey()).get(0);
                long readers = inputs.values().stream().filter(in -> in.contains(source)).count();
                if (vertices.get(source) instanceof org.deeplearning4j.nn.conf.graph.ElementWiseVertex sum
                        && sum.getOp() == org.deeplearning4j.nn.conf.graph.ElementWiseVertex.Op.Add && readers == 1) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Random running statistics, scales and shifts, as a trained network has. */
    private static void moveBatchNormStatistics(ComputationGraph net, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (Layer layer : net.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                Map<String, INDArray> p = layer.paramTable();
                p.get("mean").assign(Nd4j.randn(DataType.FLOAT, p.get("mean").shape()).muli(0.2));
                p.get("var").assign(Nd4j.rand(DataType.FLOAT, p.get("var").shape()).addi(0.5));
                if (!(layer.conf().getLayer() instanceof dev.templatelab.architectures.graph.ScaleFreeBatchNormalization)) {
                    p.get("gamma").assign(Nd4j.rand(DataType.FLOAT, p.get("gamma").shape()).addi(0.5));
                }
                p.get("beta").assign(Nd4j.randn(DataType.FLOAT, p.get("beta").shape()).muli(0.2));
            }
        }
    }

    /** Layers of type {@code next} whose only input is a convolution that nothing else reads. */
    private static int pairs(ComputationGraph net, Class<?> next) {
        Map<String, GraphVertex> vertices = net.getConfiguration().getVertices();
        Map<String, List<String>> inputs = net.getConfiguration().getVertexInputs();
        int pairs = 0;
        for (Map.Entry<String, GraphVertex> e : vertices.entrySet()) {
            if (e.getValue() instanceof LayerVertex v && next.isInstance(v.getLayerConf().getLayer())) {
                String source = inputs.get(e.getKey()).get(0);
                long readers = inputs.values().stream().filter(in -> in.contains(source)).count();
                if (vertices.get(source) instanceof LayerVertex s && s.getLayerConf().getLayer() instanceof Convolution
                        && readers == 1) {
                    pairs++;
                }
            }
        }
        return pairs;
    }
}
