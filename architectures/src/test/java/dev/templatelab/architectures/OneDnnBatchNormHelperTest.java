package dev.templatelab.architectures;

import static dev.templatelab.architectures.FastAndStock.assertRelative;
import static dev.templatelab.architectures.FastAndStock.gradients;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import dev.templatelab.architectures.runtime.BlockedActivations;
import dev.templatelab.architectures.runtime.OneDnnBatchNormHelper;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link OneDnnBatchNormHelper}, the batch-norm path every template trains on, computes what DL4J's built-in
 * batch norm computes: same weights and batch, training-mode outputs, every gradient and the running-average
 * updates within 1e-4 relative of the built-in layer in double precision. Includes the inputs where a cheap
 * variance formula would fail: activations whose mean is 40x their spread (E[x^2] - E[x]^2 loses all digits
 * there in float), a strided input (a channel slice of a wider activation), and channel counts that do not fill
 * the helper's channel blocks (3, 2, 20). {@code HelperParityTest} and
 * {@code GradientCheckTest} cover it too, as their "batch norm" layer kind.
 */
@Tag("channel-blocks")
@ExtendWith(RestoresHelperSwitch.class)
class OneDnnBatchNormHelperTest {

    private static final TemplateSpec INPUT = new TemplateSpec(3, 32, 32, 3, 1.0, 16, 16.0, HeadActivation.SOFTMAX);
    private static final TemplateSpec SMALL = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("batch norm on centred activations", BatchNormStyle.PYTORCH, 0.0,
                        (UnaryOperator<GraphCursor>) x -> x.conv("pre", 16, 3, 1, 1, false).batchNorm("op")),
                Arguments.of("batch norm on activations with mean 40x their spread", BatchNormStyle.PYTORCH, 40.0,
                        (UnaryOperator<GraphCursor>) x -> x.batchNorm("op")),
                Arguments.of("batch norm on 20 channels (the last channel block part padding)", BatchNormStyle.PYTORCH,
                        0.0, (UnaryOperator<GraphCursor>) x -> x.conv("pre", 20, 3, 1, 1, false).batchNorm("op")),
                Arguments.of("batch norm on a channel slice (strided input)", BatchNormStyle.PYTORCH, 0.0,
                        (UnaryOperator<GraphCursor>) x -> x.conv("pre", 12, 3, 1, 1, false).channelSlice("slice", 4, 6)
                                .batchNorm("op")),
                Arguments.of("scale-free batch norm (TF-slim eps 1e-3, no gamma)", BatchNormStyle.TF_SLIM_INCEPTION, 0.0,
                        (UnaryOperator<GraphCursor>) x -> x.conv("pre", 16, 3, 1, 1, false).batchNorm("op")),
                Arguments.of("batch norm with its ReLU (fused)", BatchNormStyle.PYTORCH, 0.0,
                        (UnaryOperator<GraphCursor>) x -> x.conv("pre", 16, 3, 1, 1, false).batchNormRelu("op")
                                .conv("post", 16, 1, 1, 0, false)),
                Arguments.of("batch norm with its ReLU on 20 channels", BatchNormStyle.PYTORCH, 0.0,
                        (UnaryOperator<GraphCursor>) x -> x.conv("pre", 20, 3, 1, 1, false).batchNormRelu("op")
                                .conv("post", 16, 1, 1, 0, false)),
                Arguments.of("scale-free batch norm with its ReLU", BatchNormStyle.TF_SLIM_INCEPTION, 0.0,
                        (UnaryOperator<GraphCursor>) x -> x.conv("pre", 16, 3, 1, 1, false).batchNormRelu("op")
                                .conv("post", 16, 1, 1, 0, false)));
    }

    /**
     * A batch norm with its ReLU in one layer computes what a batch norm followed by a ReLU layer computes, on the
     * fast path (one fused oneDNN pass each way) and on the stock path (DL4J's batch norm, the ReLU applied by the
     * layer): same weights, same batch, outputs and every gradient equal to float rounding, in both passes.
     */
    @ParameterizedTest(name = "helpers on: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void aBatchNormWithItsReluComputesWhatABatchNormThenAReluComputes(boolean helpers) {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, String.valueOf(!helpers));
        UnaryOperator<GraphCursor> head = x -> x.globalAvgPool("pool")
                .denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0);
        ComputationGraph fused = Networks.withUpdater(head.apply(GraphCursor.start(INPUT, Padding.EXPLICIT,
                BatchNormStyle.PYTORCH).conv("pre", 16, 3, 2, 1, false).batchNormRelu("op").conv("next", 16, 3, 1, 1, false))
                .build("pool", List.of(TemplateGraph.OUTPUT)), new org.nd4j.linalg.learning.config.Sgd(0.1), 3);
        ComputationGraph separate = Networks.withUpdater(head.apply(GraphCursor.start(INPUT, Padding.EXPLICIT,
                BatchNormStyle.PYTORCH).conv("pre", 16, 3, 2, 1, false).batchNorm("op").relu("op_relu")
                .conv("next", 16, 3, 1, 1, false)).build("pool", List.of(TemplateGraph.OUTPUT)),
                new org.nd4j.linalg.learning.config.Sgd(0.1), 3);
        fused.paramTable().forEach((key, value) -> separate.getParam(key).assign(value));
        assertThat(fused.getVertices()).hasSize(separate.getVertices().length - 1);
        assertThat(fused.getLayer("op")).isInstanceOf(dev.templatelab.architectures.runtime.BatchNormReluLayer.class);
        assertThat(helperOf(fused.getLayer("op")) instanceof OneDnnBatchNormHelper).isEqualTo(helpers);
        // no fallback to DL4J's code between a fused forward and its backward: a helper error fails instead
        assertThat(((org.deeplearning4j.nn.conf.layers.BatchNormalization) fused.getLayer("op").conf().getLayer())
                .isCudnnAllowFallback()).isFalse();

        DataSet batch = Networks.randomBatch(INPUT, 4, 17, false);
        INDArray rectified = fused.feedForward(batch.getFeatures(), true).get("op");
        assertRelative("training-mode output", rectified,
                separate.feedForward(batch.getFeatures(), true).get("op_relu"), 1e-6);
        assertThat(rectified.minNumber().doubleValue()).as("rectified").isZero();
        assertThat(rectified.maxNumber().doubleValue()).as("rectified").isPositive();
        if (helpers) {
            assertThat(((OneDnnBatchNormHelper) helperOf(fused.getLayer("op"))).appliedRelu()).isTrue();
        }
        Map<String, INDArray> fusedGradients = gradients(fused, batch);
        Map<String, INDArray> separateGradients = gradients(separate, batch);
        assertThat(fusedGradients.keySet()).isEqualTo(separateGradients.keySet());
        for (String key : fusedGradients.keySet()) {
            assertRelative("gradient " + key, fusedGradients.get(key), separateGradients.get(key), 1e-6);
        }
        fused.fit(batch);
        separate.fit(batch);
        assertRelative("inference output after a step", fused.outputSingle(false, batch.getFeatures()),
                separate.outputSingle(false, batch.getFeatures()), 1e-5);
        // a network restored from its saved configuration keeps the ReLU in the batch norm
        ComputationGraph restored = Networks.restoredFromJson(fused);
        restored.setParams(fused.params());
        assertThat(restored.getLayer("op")).isInstanceOf(dev.templatelab.architectures.runtime.BatchNormReluLayer.class);
        assertThat(restored.getConfiguration()).isEqualTo(fused.getConfiguration());
        assertRelative("restored network's output", restored.outputSingle(false, batch.getFeatures()),
                fused.outputSingle(false, batch.getFeatures()), 1e-6);
    }

    /**
     * Each case's layers, then a ReLU, pooling and a classifier. A batch norm with its own ReLU is followed by a
     * convolution first, so that the ReLU after it could not hide a gradient the batch norm failed to mask.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesBuiltInBatchNorm(String name, BatchNormStyle style, double offset, UnaryOperator<GraphCursor> op) {
        TemplateGraph graph = op.apply(GraphCursor.start(INPUT, Padding.EXPLICIT, style)).relu("relu")
                .globalAvgPool("pool").denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0)
                .build("pool", List.of(TemplateGraph.OUTPUT));
        FastAndStock pair = FastAndStock.of(graph, 5);
        ComputationGraph fast = pair.fast();
        // DL4J's built-in batch norm in double precision: at mean 40x the spread its float path is itself
        // ~1e-4 off (the fast path ~4e-6), so the float stock path cannot be the reference there
        ComputationGraph reference = pair.stockInDouble();
        assertThat(helperOf(fast.getLayer("op"))).as("fast path").isInstanceOf(OneDnnBatchNormHelper.class);
        assertThat(helperOf(pair.stock().getLayer("op"))).as("stock path").isNull();

        DataSet batch = Networks.randomBatch(INPUT, 6, 31, false);
        batch.getFeatures().addi(offset);
        DataSet doubleBatch = FastAndStock.inDouble(batch);
        // before a convolution the fast path holds the output in oneDNN's blocked layout
        INDArray fastOutput = BlockedActivations.plain(fast, "op", fast.feedForward(batch.getFeatures(), true).get("op"));
        assertRelative(name + ": training-mode output", fastOutput,
                reference.feedForward(doubleBatch.getFeatures(), true).get("op"), 1e-4);
        Map<String, INDArray> fastGradients = gradients(fast, batch);
        Map<String, INDArray> referenceGradients = gradients(reference, doubleBatch);
        assertThat(fastGradients.keySet()).isEqualTo(referenceGradients.keySet()).contains("op_mean", "op_var");
        for (String key : referenceGradients.keySet()) {
            assertRelative(name + ": gradient " + key, fastGradients.get(key), referenceGradients.get(key), 1e-4);
        }
        // one training step applies the running-average update; then inference uses the updated statistics
        fast.fit(batch);
        reference.fit(doubleBatch);
        assertRelative(name + ": running mean", fast.getParam("op_mean"), reference.getParam("op_mean"), 1e-5);
        assertRelative(name + ": running variance", fast.getParam("op_var"), reference.getParam("op_var"), 1e-4);
        // twice: the second call runs on the primitives the first one made
        for (int call = 1; call <= 2; call++) {
            assertRelative(name + ": inference output, call " + call, fast.outputSingle(false, batch.getFeatures()),
                    reference.outputSingle(false, doubleBatch.getFeatures()), 1e-4);
        }
        FastAndStock.assertNoHelperFellBack(name, fast);
    }

    @Test
    void everyTemplateTrainsItsBatchNormsOnTheOneDnnHelper() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        for (Template template : TemplateRegistry.standard().list()) {
            ComputationGraph net = template.build(SMALL).newNetwork(1);
            int batchNorms = 0;
            for (Layer layer : net.getLayers()) {
                if (layer instanceof BatchNormalization) {
                    batchNorms++;
                    assertThat(helperOf(layer)).as("%s: %s", template.name(), layer.conf().getLayer().getLayerName())
                            .isInstanceOf(OneDnnBatchNormHelper.class);
                }
            }
            assertThat(batchNorms).as("%s batch-norm layers", template.name()).isPositive();
        }
    }

    @Test
    void aNetworkRestoredFromItsSavedConfigurationKeepsTheHelper() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = TemplateRegistry.standard().get("MMClassification_ResNet_50_RSB_A1").build(SMALL)
                .newNetwork(1);
        ComputationGraph restored = Networks.restoredFromJson(net);
        assertThat(helperOf(restored.getLayer("bn1"))).isInstanceOf(OneDnnBatchNormHelper.class);
    }

    private static Object helperOf(Layer layer) {
        return ((BatchNormalization) layer).getHelper();
    }
}
