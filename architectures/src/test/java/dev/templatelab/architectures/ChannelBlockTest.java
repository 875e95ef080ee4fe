package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import dev.templatelab.architectures.runtime.BlockedActivations;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.architectures.runtime.OneDnnConvolutionLayer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The channel block that activations are held in between oneDNN layers ({@link BlockedActivations}) is the one
 * oneDNN computes on for this CPU (16 on AVX-512, 8 below), or the one the {@code templatelab.onednn.channelBlock}
 * property forces: the layout-sensitive tests (tag {@code channel-blocks}) run once with each forced (architectures'
 * pom), so both layouts are proven on any CI machine, and the rest with this CPU's. The layout check here runs in
 * both forced runs: the block asked for is the one the layouts use.
 */
class ChannelBlockTest {

    private static final String PROPERTY = "templatelab.onednn.channelBlock";

    @Test
    void theBlockIsTheOneOneDnnComputesOnUnlessForced() {
        Map<String, Object> runtime = Nd4jRuntime.describe();
        assertThat(runtime).containsEntry("oneDnnHelpers", true);
        String isa = String.valueOf(runtime.get("oneDnnIsa"));
        int expected = System.getProperty(PROPERTY) != null ? Integer.parseInt(System.getProperty(PROPERTY))
                : isa.startsWith("avx512_core") ? 16 : 8;
        assertThat(BlockedActivations.channelBlock()).as("channel block on %s", isa).isEqualTo(expected);
        assertThat(runtime).containsEntry("oneDnnChannelBlock", expected);
        assertThat(Nd4jRuntime.summaryLine()).contains(isa + ", " + expected + "-channel blocks");
    }

    /** Only whole blocks can be held: a partial one takes more memory than the array has (oneDNN would overrun it). */
    @Test
    void aLayerToldToHoldAPartialBlockRefuses() {
        int block = BlockedActivations.channelBlock();
        TemplateSpec input = new TemplateSpec(3, 32, 32, 3, 1.0, 16, 16.0, HeadActivation.SOFTMAX);
        ComputationGraph net = GraphCursor.start(input, Padding.EXPLICIT, BatchNormStyle.PYTORCH)
                .conv("in", 2 * block, 1, 1, 0, false).conv("op", block + block / 2, 3, 1, 1, false)
                .conv("out", 2 * block, 1, 1, 0, false).globalAvgPool("pool")
                .denseClassifier(3, HeadActivation.SOFTMAX, 1.0).build("pool", List.of(TemplateGraph.OUTPUT))
                .newNetwork(1);
        assertThat(BlockedActivations.blockedVertices(net)).as("planned: whole blocks only").doesNotContain("op");
        ((OneDnnConvolutionLayer) net.getLayer("op")).runBlocked(true, true);     // as if planned wrongly
        INDArray x = Networks.randomBatch(input, 2, 1, false).getFeatures();
        assertThatThrownBy(() -> net.outputSingle(false, x)).hasMessageContaining("an activation of "
                + (block + block / 2) + " channels cannot be held in " + block + "-channel blocks");
    }

    @Test
    @Tag("channel-blocks")
    void aBlockedActivationHoldsEachPixelsChannelsInRunsOfTheBlock() {
        int block = BlockedActivations.channelBlock();
        // run by the pom's forced executions: a command-line -D or an unforked JVM would leave them unforced
        assertThat(System.getProperty(PROPERTY)).as("the block this run forces").isEqualTo(String.valueOf(block));
        int n = 2;
        int c = 2 * block;
        int h = 3;
        int w = 5;
        INDArray plain = Nd4j.linspace(DataType.FLOAT, 0, n * c * h * w, 1).reshape('c', n, c, h, w);
        float[] blocked = BlockedActivations.relayout(plain, false, true, null, null).data().asFloat();
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int at = (((i * (c / block) + ch / block) * h + y) * w + x) * block + ch % block;
                        assertThat(blocked[at]).as("element (%d, %d, %d, %d)", i, ch, y, x)
                                .isEqualTo(plain.getFloat(i, ch, y, x));
                    }
                }
            }
        }
        INDArray back = BlockedActivations.relayout(Nd4j.create(blocked, new long[] {n, c, h, w}, 'c'), true, false,
                null, null);
        assertThat(back).isEqualTo(plain);
    }
}
