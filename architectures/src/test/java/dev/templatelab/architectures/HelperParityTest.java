package dev.templatelab.architectures;

import static dev.templatelab.architectures.FastAndStock.assertRelative;
import static dev.templatelab.architectures.FastAndStock.gradients;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import dev.templatelab.architectures.graph.Padding;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * TemplateLab's default fast path (DL4J's oneDNN layer helpers, see {@link Nd4jRuntime}) computes what
 * DL4J's built-in layers compute. Same weights, same batch: outputs, loss and every parameter gradient
 * agree. Helpers are picked when a layer is instantiated, so each pair of networks is built with the
 * switch flipped in between.
 *
 * <p>Two levels: every layer kind the templates use, alone in a small well-conditioned graph (tight
 * tolerance, per parameter); and each whole template, where a deep random-init network amplifies float
 * rounding, so the whole gradient of each float path is measured against the stock path in double precision.
 */
@Tag("channel-blocks")
@ExtendWith(RestoresHelperSwitch.class)
class HelperParityTest {

    private static final TemplateSpec INPUT = new TemplateSpec(3, 32, 32, 3, 1.0, 16, 16.0, HeadActivation.SOFTMAX);
    private static final TemplateSpec SMALL = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);

    /** Each layer kind of the templates, between a 1x1 conv (so input gradients are checked) and a classifier. */
    static Stream<Arguments> layerKinds() {
        return layerKinds(16);
    }

    /** The layer kinds with {@code c} output channels (a multiple of 4), for tests that need smaller graphs. */
    static Stream<Arguments> layerKinds(int c) {
        return Stream.of(
                kind("conv 3x3 with bias", Padding.EXPLICIT, x -> x.conv("op", c, 3, 1, 1, true)),
                kind("conv 3x3 no bias", Padding.EXPLICIT, x -> x.conv("op", c, 3, 1, 1, false)),
                kind("conv 1x1", Padding.EXPLICIT, x -> x.conv("op", c, 1, 1, 0, false)),
                kind("conv 3x3 stride 2", Padding.EXPLICIT, x -> x.conv("op", c, 3, 2, 1, false)),
                kind("conv 1x1 stride 2 (a downsample: the last row read by no window)", Padding.EXPLICIT,
                        x -> x.conv("op", c, 1, 2, 0, false)),
                kind("conv 7x7 stride 2 pad 3", Padding.EXPLICIT, x -> x.conv("op", c, 7, 2, 3, true)),
                kind("conv 3x3 stride 2 SAME", Padding.TF_SAME, x -> x.conv("op", c, 3, 2, 0, false)),
                kind("depthwise 7x7 stride 2 SAME (grouped)", Padding.TF_SAME, x -> x.groupedConv("op", 2 * c, 7, 2, 3, c, false)),
                kind("batch norm", Padding.EXPLICIT, x -> x.batchNorm("op")),
                kind("relu", Padding.EXPLICIT, x -> x.relu("op")),
                kind("relu in the batch norm (fused)", Padding.EXPLICIT, x -> x.batchNormRelu("op")),
                kind("relu of exact zeros (relu after relu)", Padding.EXPLICIT, x -> x.relu("r").relu("op")),
                kind("max pool 3/2 pad 1", Padding.EXPLICIT, x -> x.maxPool("op", 3, 2, 1)),
                kind("max pool 3/2 no pad, last window cut off (DL4J's helper)", Padding.EXPLICIT,
                        x -> x.maxPool("op", 3, 2, 0)),
                kind("max pool 3/1 pad 1", Padding.EXPLICIT, x -> x.maxPool("op", 3, 1, 1)),
                kind("max pool 3/2 SAME", Padding.TF_SAME, x -> x.maxPool("op", 3, 2, 0)),
                kind("ceil-mode max pool 3/2", Padding.EXPLICIT, x -> x.relu("r").ceilModeMaxPool("op", 3, 2)),
                kind("avg pool 3/1 SAME (TF)", Padding.TF_SAME, x -> x.avgPool("op", 3, 1, 0, false)),
                kind("avg pool 3/1 pad 1 counting padding (Caffe)", Padding.EXPLICIT,
                        x -> x.avgPool("op", 3, 1, 1, true)),
                kind("grouped 3x3, 4 groups", Padding.EXPLICIT, x -> x.groupedConv("op", c, 3, 1, 1, 4, false)),
                kind("residual add", Padding.EXPLICIT, x -> x.add("op", x.branch().conv("res", c, 3, 1, 1, false))),
                kind("relu after a residual sum (AddRelu), identity shortcut", Padding.EXPLICIT,
                        x -> x.branch().conv("res", c, 3, 1, 1, false).batchNorm("res_bn").addRelu("op", x)),
                // added in topological order: GradientCheckUtil names the flat parameters in the order of
                // paramTable, which follows the order vertices were added, while DL4J flattens them topologically
                kind("relu after a residual sum (AddRelu), projection shortcut", Padding.EXPLICIT, x -> {
                    GraphCursor residual = x.branch().conv("res", c, 3, 1, 1, false);
                    GraphCursor shortcut = x.branch().conv("proj", c, 1, 1, 0, false);
                    residual.batchNorm("res_bn");
                    return residual.addRelu("op", shortcut.batchNorm("proj_bn"));
                }),
                // a concatenation is not known to hand on a new gradient array: it gets a copy, pre shares
                kind("relu after a residual sum (AddRelu) of a concatenation", Padding.EXPLICIT,
                        x -> GraphCursor.concat("cat", x.branch().conv("a", c / 2, 3, 1, 1, false),
                                x.branch().conv("b", c / 2, 1, 1, 0, false)).addRelu("op", x)),
                // "pre" feeds "late" too, which lies between "res" and the sum in topological order: DL4J adds
                // late's gradient for pre in place into the sum's gradient before res has read it, unless pre
                // gets a copy of it (both paths here share that logic: GradientCheckTest and AddReluTest catch it)
                kind("relu after a residual sum (AddRelu), shortcut read again after the residual branch",
                        Padding.EXPLICIT, x -> {
                            GraphCursor residual = x.branch().conv("res", c, 3, 1, 1, false);
                            GraphCursor late = x.branch().conv("late", c, 1, 1, 0, false);
                            return GraphCursor.concat("op", residual.addRelu("sum", x), late);
                        }));
    }

    private static Arguments kind(String name, Padding mode, UnaryOperator<GraphCursor> op) {
        return Arguments.of(name, mode, op);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layerKinds")
    void everyLayerKindMatchesBuiltInLayers(String name, Padding mode, UnaryOperator<GraphCursor> op) {
        java.util.function.Supplier<TemplateGraph> graph = () -> {
            GraphCursor x = GraphCursor.start(INPUT, mode, BatchNormStyle.PYTORCH).conv("pre", 16, 1, 1, 0, false);
            x = op.apply(x).globalAvgPool("pool").denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0);
            return x.build("pool", List.of(TemplateGraph.OUTPUT));
        };
        FastAndStock pair = FastAndStock.of(graph.get(), 8);
        DataSet batch = Networks.randomBatch(INPUT, 8, 17, false);
        assertRelative(name + " output", pair.fast().outputSingle(false, batch.getFeatures()),
                pair.stock().outputSingle(false, batch.getFeatures()), 1e-5);
        Map<String, INDArray> fast = gradients(pair.fast(), batch);
        Map<String, INDArray> stock = gradients(pair.stock(), batch);
        assertThat(fast.keySet()).isEqualTo(stock.keySet());
        for (String key : stock.keySet()) {
            assertRelative(name + " gradient " + key, fast.get(key), stock.get(key), 1e-4);
        }
        FastAndStock.assertNoHelperFellBack(name, pair.fast());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void everyTemplateMatchesBuiltInLayers(Template template) {
        FastAndStock pair = FastAndStock.of(template.build(SMALL), 3);
        DataSet batch = Networks.randomBatch(SMALL, 8, 21, false);
        assertRelative("inference output", pair.fast().outputSingle(false, batch.getFeatures()),
                pair.stock().outputSingle(false, batch.getFeatures()), 1e-4);
        INDArray fast = Nd4j.toFlattened(gradients(pair.fast(), batch).values());
        INDArray stock = Nd4j.toFlattened(gradients(pair.stock(), batch).values());
        assertThat(pair.fast().score()).isCloseTo(pair.stock().score(), org.assertj.core.data.Offset.offset(1e-4 * pair.stock().score()));
        // Whole deep networks at init are ill-conditioned: float rounding of ~1e-7 flips near-ties of max pools
        // and ReLUs at 0 in some layer, which reroutes part of the gradient. Against DL4J's built-in layers in
        // double precision, either float path is then off by up to a few percent, by the luck of the seed
        // (2026-11-29, seeds 3-6, both paths: 1e-5 to 4e-2; Inception-v2 seed 3: fast 6e-3, stock 3e-5; seed 5
        // of the previous graph: fast 1e-5, stock 8e-3). So the fast path must be about as accurate as the stock
        // path, or within 2 % (the per-layer kinds above carry the tight parity); a mis-wired layer is off by ~1.
        INDArray reference = Nd4j.toFlattened(gradients(pair.stockInDouble(), FastAndStock.inDouble(batch)).values());
        double fastError = FastAndStock.relativeError(fast, reference);
        double stockError = FastAndStock.relativeError(stock, reference);
        assertThat(fastError).as("fast path's gradient error against double precision (stock float path's: %s)",
                stockError).isLessThanOrEqualTo(Math.max(2 * stockError, 0.02));
        assertThat(fastError).as("fast path's gradient error against double precision").isLessThan(0.06);
        FastAndStock.assertNoHelperFellBack(template.name(), pair.fast());
    }

    static Stream<Template> templates() {
        return TemplateRegistry.standard().list().stream();
    }
}
