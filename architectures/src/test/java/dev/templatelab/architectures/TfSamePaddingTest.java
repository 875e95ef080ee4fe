package dev.templatelab.architectures;

import static dev.templatelab.architectures.FastAndStock.assertRelative;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import dev.templatelab.architectures.graph.ZeroPadding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Where TensorFlow's SAME padding puts one more row and column at the bottom and right than at the top and left
 * (Inception-v2's stride-2 layers), the layer pads so itself ({@code ConvolutionMode.Same}, which oneDNN runs
 * with its separate right/bottom padding). Graphs built before had a zero-padding layer in front of an unpadded
 * layer instead: TF's padding by construction. Both compute the same outputs and gradients, from the same weights,
 * on the fast path and on DL4J's stock path.
 */
@ExtendWith(RestoresHelperSwitch.class)
class TfSamePaddingTest {

    private static final TemplateSpec INPUT = new TemplateSpec(3, 32, 32, 3, 1.0, 6, 4.0, HeadActivation.SOFTMAX);

    static Stream<Arguments> layers() {
        return Stream.of(
                layer("conv 3x3 / 2: pads 0 top, 1 bottom", x -> x.conv("op", 8, 3, 2, 0, false), 0, 1),
                layer("depthwise 7x7 / 2, Inception-v2's stem: pads 2 top, 3 bottom",
                        x -> x.groupedConv("op", 16, 7, 2, 0, 8, false), 2, 3),
                // a zero pad equals TF's ignored padding after a ReLU only; in Inception-v2 every max pool follows one
                layer("max pool 3 / 2 after a ReLU: pads 0 top, 1 bottom",
                        x -> x.relu("rectified").maxPool("op", 3, 2, 0), 0, 1));
    }

    private static Arguments layer(String name, UnaryOperator<GraphCursor> op, int top, int bottom) {
        return Arguments.of(name, op, top, bottom);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void padsAsAZeroPadInFrontDoes(String name, UnaryOperator<GraphCursor> op, int top, int bottom) {
        GraphCursor x = GraphCursor.start(INPUT, Padding.TF_SAME, BatchNormStyle.PYTORCH)
                .conv("pre", 8, 1, 1, 0, false);
        TemplateGraph same = op.apply(x).globalAvgPool("pool").denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0)
                .build("pool", List.of(TemplateGraph.OUTPUT));
        assertThat(modeOf(same.configuration(), "op")).isEqualTo(ConvolutionMode.Same);
        TemplateGraph padded = new TemplateGraph(zeroPadInFront(same.configuration(), "op", top, bottom), same.input(),
                same.featureVertex(), same.headVertices());

        FastAndStock sameNets = FastAndStock.of(same, 5);
        FastAndStock paddedNets = FastAndStock.of(padded, 5);
        paddedNets.stock().setParams(sameNets.stock().params().dup());
        paddedNets.fast().setParams(sameNets.stock().params().dup());
        DataSet batch = Networks.randomBatch(INPUT, 4, 9, false);
        compare(name + ", stock path", sameNets.stock(), paddedNets.stock(), batch);
        compare(name + ", fast path", sameNets.fast(), paddedNets.fast(), batch);
        FastAndStock.assertNoHelperFellBack(name, sameNets.fast());
    }

    private static void compare(String what, ComputationGraph same, ComputationGraph padded, DataSet batch) {
        assertRelative(what + ", output", same.outputSingle(false, batch.getFeatures()),
                padded.outputSingle(false, batch.getFeatures()), 1e-5);
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> expected = FastAndStock.gradients(padded, batch);
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> actual = FastAndStock.gradients(same, batch);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String key : expected.keySet()) {
            assertRelative(what + ", gradient " + key, actual.get(key), expected.get(key), 1e-5);
        }
    }

    /** A copy of {@code conf} whose layer {@code name} reads a zero pad (top/left, bottom/right) without padding. */
    private static ComputationGraphConfiguration zeroPadInFront(ComputationGraphConfiguration conf, String name,
                                                               int top, int bottom) {
        ComputationGraphConfiguration copy = conf.clone();
        LayerVertex vertex = (LayerVertex) copy.getVertices().get(name);
        if (vertex.getLayerConf().getLayer() instanceof ConvolutionLayer convolution) {
            convolution.setConvolutionMode(ConvolutionMode.Truncate);
        } else {
            ((SubsamplingLayer) vertex.getLayerConf().getLayer()).setConvolutionMode(ConvolutionMode.Truncate);
        }
        LayerVertex pad = (LayerVertex) vertex.clone();
        ZeroPadding zeroPadding = new ZeroPadding(top, bottom, top, bottom);
        zeroPadding.setLayerName(name + "_pad");
        pad.getLayerConf().setLayer(zeroPadding);
        copy.getVertices().put(name + "_pad", pad);
        copy.getVertexInputs().put(name + "_pad", new ArrayList<>(copy.getVertexInputs().get(name)));
        copy.getVertexInputs().put(name, new ArrayList<>(List.of(name + "_pad")));
        copy.setTopologicalOrder(null);
        copy.setTopologicalOrderStr(null);
        return copy;
    }

    private static ConvolutionMode modeOf(ComputationGraphConfiguration conf, String name) {
        var layer = ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
        return layer instanceof ConvolutionLayer c ? c.getConvolutionMode()
                : ((SubsamplingLayer) layer).getConvolutionMode();
    }
}
