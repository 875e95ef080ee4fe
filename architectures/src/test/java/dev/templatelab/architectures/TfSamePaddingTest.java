package dev.templatelab.architectures;

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
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Where TensorFlow's SAME padding puts one more row or column at the bottom or right than at the top or left
 * (Inception-v2's stride-2 layers), the layer pads so itself ({@code ConvolutionMode.Same}, which oneDNN runs
 * with its separate right/bottom padding). Graphs built before had a zero-padding layer in front of an unpadded
 * layer instead: TF's padding by construction. Both compute the same outputs and gradients, from the same weights,
 * on the fast path and on DL4J's stock path: single layers (1e-5), and the whole of Inception-v2 (1e-4). (That max
 * pooling ignores the padded values, as TF's does, on signed inputs too: {@code HelperParityTest}'s SAME max pool.)
 */
@Tag("channel-blocks")
@ExtendWith(RestoresHelperSwitch.class)
class TfSamePaddingTest {

    /** Single layers; a whole network sums in more orders, as the template-level parity tests allow for. */
    private static final double LAYER_TOLERANCE = 1e-5;
    private static final double NETWORK_TOLERANCE = 1e-4;

    /** 32 x 35: a stride of 2 pads rows 0 / 1 for a 3x3 window but columns 1 / 1, so each dimension counts. */
    private static final TemplateSpec INPUT = new TemplateSpec(3, 32, 35, 3, 1.0, 6, 4.0, HeadActivation.SOFTMAX);

    static Stream<Arguments> layers() {
        return Stream.of(
                layer("conv 3x3 / 2", x -> x.conv("op", 16, 3, 2, 0, false)),
                layer("depthwise 7x7 / 2, Inception-v2's stem", x -> x.groupedConv("op", 32, 7, 2, 0, 16, false)),
                // a zero pad equals TF's ignored padding after a ReLU only; in Inception-v2 every max pool follows one
                layer("max pool 3 / 2 after a ReLU", x -> x.relu("rectified").maxPool("op", 3, 2, 0)));
    }

    private static Arguments layer(String name, UnaryOperator<GraphCursor> op) {
        return Arguments.of(name, op);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void padsAsAZeroPadInFrontDoes(String name, UnaryOperator<GraphCursor> op) {
        GraphCursor x = GraphCursor.start(INPUT, Padding.TF_SAME, BatchNormStyle.PYTORCH)
                .conv("pre", 16, 1, 1, 0, false);
        TemplateGraph same = op.apply(x).globalAvgPool("pool").denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0)
                .build("pool", List.of(TemplateGraph.OUTPUT));
        assertThat(sameLayers(same)).as("layers padding as SAME").isEqualTo(1);
        assertSameAsZeroPadded(name, same, INPUT, LAYER_TOLERANCE);
    }

    @Test
    void inceptionV2ComputesWhatItComputedWithZeroPaddingLayers() {
        TemplateSpec spec = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);
        TemplateGraph same = TemplateRegistry.standard().get("Clarifai_InceptionV2").build(spec);
        assertThat(sameLayers(same)).as("layers padding as SAME").isEqualTo(9);
        assertSameAsZeroPadded("Inception-v2", same, spec, NETWORK_TOLERANCE);
    }

    private static void assertSameAsZeroPadded(String name, TemplateGraph same, TemplateSpec spec, double tolerance) {
        TemplateGraph padded = new TemplateGraph(zeroPadInFront(same.configuration(), spec), same.input(),
                same.featureVertex(), same.headVertices());
        FastAndStock.assertSameNetworks(name, same, padded, Networks.randomBatch(spec, 4, 9, false), tolerance);
    }

    /** How many layers pad as TF's SAME themselves. */
    private static long sameLayers(TemplateGraph graph) {
        return graph.configuration().getVertices().values().stream()
                .filter(v -> v instanceof LayerVertex layer && modeOf(layer) == ConvolutionMode.Same).count();
    }

    private static ConvolutionMode modeOf(LayerVertex vertex) {
        org.deeplearning4j.nn.conf.layers.Layer layer = vertex.getLayerConf().getLayer();
        return layer instanceof ConvolutionLayer c ? c.getConvolutionMode()
                : layer instanceof SubsamplingLayer p ? p.getConvolutionMode() : null;
    }

    /**
     * A copy of {@code conf} in which each SAME layer that TF pads more at the bottom or right reads a zero pad
     * (TF's padding, computed here: output ceil(in / stride), the odd row or column at the bottom or right) and
     * pads nothing itself.
     */
    private static ComputationGraphConfiguration zeroPadInFront(ComputationGraphConfiguration conf, TemplateSpec spec) {
        ComputationGraphConfiguration copy = conf.clone();
        Map<String, InputType> types = conf.getLayerActivationTypes(false,
                InputType.convolutional(spec.height(), spec.width(), spec.channels()));
        for (String name : new ArrayList<>(copy.getVertices().keySet())) {
            if (!(copy.getVertices().get(name) instanceof LayerVertex vertex)) {
                continue;
            }
            org.deeplearning4j.nn.conf.layers.Layer layer = vertex.getLayerConf().getLayer();
            int[] kernel;
            int[] stride;
            if (layer instanceof ConvolutionLayer c && c.getConvolutionMode() == ConvolutionMode.Same) {
                kernel = c.getKernelSize();
                stride = c.getStride();
                c.setConvolutionMode(ConvolutionMode.Truncate);
            } else if (layer instanceof SubsamplingLayer p && p.getConvolutionMode() == ConvolutionMode.Same) {
                kernel = p.getKernelSize();
                stride = p.getStride();
                p.setConvolutionMode(ConvolutionMode.Truncate);
            } else {
                continue;
            }
            String input = copy.getVertexInputs().get(name).get(0);
            InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) types.get(input);
            int[] rows = tfPadding(in.getHeight(), kernel[0], stride[0]);
            int[] columns = tfPadding(in.getWidth(), kernel[1], stride[1]);
            LayerVertex pad = (LayerVertex) vertex.clone();
            ZeroPadding zeroPadding = new ZeroPadding(rows[0], rows[1], columns[0], columns[1]);
            zeroPadding.setLayerName(name + "_pad");
            pad.getLayerConf().setLayer(zeroPadding);
            copy.getVertices().put(name + "_pad", pad);
            copy.getVertexInputs().put(name + "_pad", new ArrayList<>(List.of(input)));
            copy.getVertexInputs().put(name, new ArrayList<>(List.of(name + "_pad")));
        }
        copy.setTopologicalOrder(null);
        copy.setTopologicalOrderStr(null);
        return copy;
    }

    /** TF's SAME padding before and after, along one dimension of size {@code in}. */
    private static int[] tfPadding(long in, int kernel, int stride) {
        long out = (in + stride - 1) / stride;
        int total = (int) Math.max(0, (out - 1) * stride + kernel - in);
        return new int[] {total / 2, total - total / 2};
    }

}
