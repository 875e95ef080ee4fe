package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.runtime.BlockedActivations;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.architectures.runtime.OneDnnConvolutionLayer;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A network whose activations are held in oneDNN's channel blocks between layers ({@link BlockedActivations},
 * what every template network gets) computes what the same network with plain NCHW activations computes: outputs
 * in training and in inference, every gradient, and the batch-norm statistics a training step updates.
 */
@Tag("channel-blocks")
@ExtendWith(RestoresHelperSwitch.class)
class BlockedActivationsTest {

    // width 0.5: most layers have a multiple of 16 channels, some (Inception's 16-channel 5x5 reductions: 8) only of 8
    private static final TemplateSpec SPEC = new TemplateSpec(5, 64, 64, 3, 0.5, 32, 16.0, HeadActivation.SOFTMAX);

    static Stream<String> templates() {
        return TemplateRegistry.standard().list().stream().map(Template::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void computesWhatPlainActivationsCompute(String name) {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        TemplateGraph graph = TemplateRegistry.standard().get(name).build(SPEC);
        ComputationGraph blocked = graph.newNetwork(3);
        ComputationGraph plain = Networks.restoredFromJson(blocked);      // not passed through apply: all plain
        plain.setParams(blocked.params().dup());
        Set<String> held = BlockedActivations.apply(blocked);       // again: newNetwork applied it once already
        assertThat(BlockedActivations.blockedVertices(blocked)).as("%s: what the layers say they hold", name)
                .isEqualTo(held);
        assertThat(BlockedActivations.blockedVertices(plain)).isEmpty();
        assertThat(held).as("%s: vertices whose output is held blocked", name).hasSizeGreaterThan(10)
                .doesNotContain(TemplateGraph.INPUT, TemplateGraph.OUTPUT, graph.featureVertex());
        if (name.contains("Inception")) {
            assertThat(held).as("%s: blocked channel concatenations", name).anyMatch(v ->
                    graph.configuration().getVertices().get(v) instanceof MergeVertex);
        }

        DataSet batch = Networks.randomBatch(SPEC, 4, 7, false);
        Map<String, INDArray> expected = FastAndStock.gradients(plain, batch);
        Map<String, INDArray> actual = FastAndStock.gradients(blocked, batch);
        assertThat(blocked.score()).as("%s: training loss", name).isCloseTo(plain.score(),
                org.assertj.core.data.Offset.offset(1e-5 * Math.abs(plain.score())));
        for (Map.Entry<String, INDArray> e : expected.entrySet()) {
            FastAndStock.assertRelative(name + " gradient " + e.getKey(), actual.get(e.getKey()), e.getValue(), 1e-4);
        }
        // the training forward pass above updated the running statistics alike
        FastAndStock.assertRelative(name + " parameters and batch-norm statistics", blocked.params(), plain.params(),
                1e-5);
        FastAndStock.assertRelative(name + " inference output", blocked.outputSingle(false, batch.getFeatures()),
                plain.outputSingle(false, batch.getFeatures()), 1e-4);
        FastAndStock.assertNoHelperFellBack(name, blocked);

        // an activation read from the middle of the network comes back plain through BlockedActivations.plain
        String inside = held.iterator().next();
        INDArray read = blocked.feedForward(batch.getFeatures(), false).get(inside);
        FastAndStock.assertRelative(name + " activation of " + inside, BlockedActivations.plain(blocked, inside, read),
                plain.feedForward(batch.getFeatures(), false).get(inside), 1e-4);
    }

    @Test
    void holdsNothingBlockedWithTheHelpersOff() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "true");
        ComputationGraph net = TemplateRegistry.standard().get("Clarifai_InceptionBatchNorm").build(SPEC).newNetwork(1);
        assertThat(BlockedActivations.blockedVertices(net)).isEmpty();
    }

    @Test
    void aConvolutionThatCannotRunOnOneDnnRefusesBlockedActivations() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = TemplateRegistry.standard().get("MMClassification_ResNet_50_RSB_A1").build(SPEC)
                .newNetwork(1).convertDataType(DataType.DOUBLE);
        assertThat(BlockedActivations.apply(net)).as("double precision runs on DL4J's code: all plain").isEmpty();
        OneDnnConvolutionLayer conv = (OneDnnConvolutionLayer) net.getLayer("layer1_0_conv2");
        conv.runBlocked(true, true);      // as if planned: DL4J's code must not read the blocks as NCHW
        INDArray x = Networks.randomBatch(SPEC, 2, 1, false).getFeatures().castTo(DataType.DOUBLE);
        assertThatThrownBy(() -> net.outputSingle(false, x))
                .hasMessageContaining("layer1_0_conv2 keeps its activations in oneDNN's blocked layout");
    }
}
