package dev.templatelab.architectures;

import static dev.templatelab.architectures.FastAndStock.assertRelative;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Convolution;
import dev.templatelab.architectures.graph.Padding;
import dev.templatelab.architectures.runtime.OneDnnConvolutionLayer;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * {@link Convolution} computes what PyTorch's {@code Conv2d(groups=g)} computes: the reference is DL4J's
 * built-in convolution in double precision, for groups with a block-diagonal weight (zero outside each group's
 * block), an exact equivalent. Checked on each run-time path: oneDNN called directly (helpers on, float),
 * DL4J's own code (groups = 1) or one libnd4j convolution per group (helpers off, float and double): outputs,
 * every parameter gradient (a grouped weight's against the dense weight's diagonal blocks) and, through a 1x1
 * convolution in front, the input gradient.
 */
@Tag("channel-blocks")
@ExtendWith(RestoresHelperSwitch.class)
class ConvolutionTest {

    private static final TemplateSpec INPUT = new TemplateSpec(3, 32, 32, 3, 1.0, 16, 16.0, HeadActivation.SOFTMAX);

    /** The layer's geometry; {@code mapSize} is its input's height and width (the 32-px image after a strided 1x1). */
    record Geometry(int in, int out, int kernel, int stride, int pad, int groups, boolean bias, int mapSize) {
    }

    static Stream<Arguments> cases() {
        List<Geometry> geometries = List.of(
                new Geometry(8, 8, 3, 1, 1, 4, false, 11),          // ResNeXt's 3x3 (2 channels a group: 4 joined with 8-channel blocks, none with 16)
                // 4 channels a group, as ResNeXt-50's first stage: oneDNN runs pairs of groups (block-diagonal)
                new Geometry(32, 32, 3, 1, 1, 8, false, 11),
                new Geometry(16, 16, 3, 2, 1, 4, true, 16),         // the same, strided, with bias
                new Geometry(12, 12, 3, 1, 1, 3, false, 11),        // 4 channels a group, odd groups: not paired
                new Geometry(8, 16, 3, 2, 1, 4, true, 16),          // strided, with bias; right/bottom padding 0
                new Geometry(4, 8, 7, 2, 3, 4, false, 11),          // Inception-v2's depthwise 7x7 stem (multiplier 2)
                new Geometry(6, 12, 1, 1, 0, 3, true, 11),          // 1x1
                // 16 channels per group: oneDNN picks its blocked-layout kernel, so the layout conversions run
                new Geometry(64, 64, 3, 2, 1, 4, true, 16),
                new Geometry(3, 24, 7, 2, 0, 3, false, 69),         // Inception-v2's stem as built: SAME-padded 64 px
                new Geometry(8, 16, 3, 1, 1, 1, true, 11),          // no groups: every other convolution
                new Geometry(16, 32, 1, 1, 0, 1, false, 16),        // no groups, 1x1: oneDNN's blocked 1x1 kernel
                new Geometry(16, 16, 7, 2, 3, 1, true, 32),         // no groups, a stem: 7x7 stride 2
                // right/bottom padding -1 (the last row and column are read by no window): ResNet's downsample
                new Geometry(16, 32, 1, 2, 0, 1, false, 16),
                new Geometry(16, 32, 3, 2, 0, 4, false, 16),
                new Geometry(16, 32, 3, 2, 0, 1, false, 16),        // the same without groups
                // 256 input channels, output at most 14x14: the weight gradient on oneDNN's GEMM kernel
                new Geometry(256, 16, 3, 1, 1, 1, true, 11),
                new Geometry(256, 32, 3, 2, 0, 1, false, 16));      // ... with right/bottom padding -1
        return geometries.stream().flatMap(g -> Stream.of(
                Arguments.of(g, "oneDNN, float", true, DataType.FLOAT),
                Arguments.of(g, g.groups() == 1 ? "DL4J's, float" : "per group, float", false, DataType.FLOAT),
                Arguments.of(g, g.groups() == 1 ? "DL4J's, double" : "per group, double", false, DataType.DOUBLE)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void equalsADenseConvolutionWithABlockDiagonalWeight(Geometry g, String path, boolean helpers, DataType type) {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, String.valueOf(!helpers));
        ComputationGraph grouped = network(graph(g, true), type, 3);
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "true");
        ComputationGraph dense = network(graph(g, false), DataType.DOUBLE, 3);
        copyAsBlockDiagonal(grouped, dense, g);

        DataSet batch = Networks.randomBatch(spec(g), 4, 5, false);
        double tolerance = type == DataType.DOUBLE ? 1e-10 : 1e-5;
        assertRelative(path + " output", grouped.outputSingle(false, batch.getFeatures().castTo(type)),
                dense.outputSingle(false, batch.getFeatures().castTo(DataType.DOUBLE)), tolerance);
        Map<String, INDArray> groupedGrads = FastAndStock.gradients(grouped, cast(batch, type));
        Map<String, INDArray> denseGrads = FastAndStock.gradients(dense, cast(batch, DataType.DOUBLE));
        assertThat(groupedGrads.keySet()).isEqualTo(denseGrads.keySet());
        for (String key : denseGrads.keySet()) {
            INDArray expected = key.equals("op_W") ? diagonalBlocks(denseGrads.get(key), g) : denseGrads.get(key);
            assertRelative(path + " gradient " + key, groupedGrads.get(key), expected, tolerance * 10);
        }

        OneDnnConvolutionLayer layer = (OneDnnConvolutionLayer) grouped.getLayer("op");
        assertThat(layer.passesOnOneDnn()).as("passes on oneDNN").isEqualTo(helpers ? 3 : 0);   // output, forward, backward
        FastAndStock.assertNoHelperFellBack(path, grouped);
    }

    /**
     * Where oneDNN would run its direct AVX2 kernel, the weight gradient of an ungrouped convolution wider than 1x1
     * with at least 256 input channels and an output of at most 14x14 runs on oneDNN's GEMM kernel instead; every
     * other shape keeps oneDNN's own pick. The parity above checks both kernels against double precision (3x3 with
     * 8 and 256 input channels). On this project's AVX2 machines the GEMM cases below do switch.
     */
    @Test
    void computesTheWeightGradientOfSmallWideMapsOnGemm() {
        assertOnGemm(new Geometry(256, 16, 3, 1, 1, 1, true, 11), "3x3, 256 in, 11x11 out", true);
        assertOnGemm(new Geometry(256, 16, 3, 1, 0, 1, false, 16), "3x3, 256 in, 14x14 out", true);
        assertOnGemm(new Geometry(256, 32, 3, 2, 0, 1, false, 16), "3x3/2, 256 in, 7x7 out", true);
        assertOnGemm(new Geometry(256, 16, 3, 1, 1, 1, false, 16), "3x3, 256 in, 16x16 out", false);
        assertOnGemm(new Geometry(128, 16, 3, 1, 1, 1, false, 11), "3x3, 128 in, 11x11 out", false);
        assertOnGemm(new Geometry(256, 32, 1, 2, 0, 1, false, 16), "1x1/2, 256 in, 8x8 out", false);
    }

    private static void assertOnGemm(Geometry g, String shape, boolean onGemm) {
        String direct = weightGradientImplementation(g, OneDnnConvolutionLayer.WeightGradientKernel.DIRECT);
        String used = weightGradientImplementation(g, OneDnnConvolutionLayer.WeightGradientKernel.BY_SHAPE);
        assertThat(direct).as(shape + ": oneDNN's own pick").doesNotContain("gemm");
        if (onGemm && direct.equals("jit:avx2")) {
            assertThat(used).as(shape).contains("gemm");
        } else {
            assertThat(used).as(shape).isEqualTo(direct);
        }
    }

    private static String weightGradientImplementation(Geometry g, OneDnnConvolutionLayer.WeightGradientKernel kernel) {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = network(graph(g, true), DataType.FLOAT, 3);
        OneDnnConvolutionLayer layer = (OneDnnConvolutionLayer) net.getLayer("op");
        layer.useWeightGradientKernel(kernel);
        FastAndStock.gradients(net, Networks.randomBatch(spec(g), 2, 5, false));
        return layer.weightGradientImplementation();
    }

    @Test
    void survivesARestoreFromItsJsonWithItsGroups() {
        Geometry g = new Geometry(8, 8, 3, 1, 1, 4, true, 11);
        ComputationGraph net = network(graph(g, true), DataType.FLOAT, 3);
        ComputationGraph restored = Networks.restoredFromJson(net);
        restored.setParams(net.params());

        assertThat(restored.getConfiguration()).isEqualTo(net.getConfiguration());
        assertThat(((Convolution) restored.getLayer("op").conf().getLayer()).getGroups()).isEqualTo(4);
        assertThat(restored.getLayer("op").getParam("W").shape()).containsExactly(8, 2, 3, 3);
        INDArray x = Networks.randomBatch(INPUT, 2, 9, false).getFeatures();
        assertThat(restored.outputSingle(false, x)).isEqualTo(net.outputSingle(false, x));
    }

    @Test
    void hasPyTorchsParameterCount() {
        Geometry g = new Geometry(8, 16, 3, 1, 1, 4, true, 11);
        ComputationGraph net = network(graph(g, true), DataType.FLOAT, 3);
        assertThat(net.getLayer("op").numParams()).as("16 x 8/4 x 3 x 3 + 16").isEqualTo(16 * 2 * 9 + 16);
    }

    /**
     * A strided 1x1 convolution (so the input gradient is checked, on a small map), the layer under test, pooling
     * and a classifier.
     */
    private static TemplateGraph graph(Geometry g, boolean grouped) {
        int preStride = g.mapSize() >= 32 ? 1 : g.mapSize() == 16 ? 2 : 3;      // 32 px -> 16 or 11
        GraphCursor x = GraphCursor.start(spec(g), Padding.EXPLICIT, BatchNormStyle.PYTORCH)
                .conv("pre", g.in(), 1, preStride, 0, false);
        assertThat(x.height()).isEqualTo(g.mapSize());
        x = grouped ? x.groupedConv("op", g.out(), g.kernel(), g.stride(), g.pad(), g.groups(), g.bias())
                : x.conv("op", g.out(), g.kernel(), g.stride(), g.pad(), g.bias());
        return x.globalAvgPool("pool").denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0).build("pool",
                List.of(TemplateGraph.OUTPUT));
    }

    private static TemplateSpec spec(Geometry g) {
        return g.mapSize() >= 32 ? new TemplateSpec(3, g.mapSize(), g.mapSize(), 3, 1.0, 16, 16.0, HeadActivation.SOFTMAX)
                : INPUT;
    }

    private static ComputationGraph network(TemplateGraph template, DataType type, long seed) {
        ComputationGraphConfiguration conf = template.configuration().clone();
        conf.setDataType(type);
        return Networks.withUpdater(new TemplateGraph(conf, template.input(), template.featureVertex(),
                template.headVertices()), new Sgd(0.0), seed);
    }

    /** The grouped network's parameters into the dense one, the grouped weight as the dense weight's diagonal blocks. */
    private static void copyAsBlockDiagonal(ComputationGraph grouped, ComputationGraph dense, Geometry g) {
        grouped.paramTable().forEach((key, value) -> {
            INDArray target = dense.getParam(key);
            if (key.equals("op_W")) {
                INDArray blockDiagonal = Nd4j.zeros(target.dataType(), target.shape());
                forEachWeight(value, g, (groupedAt, denseAt) -> blockDiagonal.putScalar(denseAt, value.getDouble(groupedAt)));
                target.assign(blockDiagonal);
            } else {
                target.assign(value);
            }
        });
    }

    /** The dense weight's values at the grouped weight's positions, in the grouped weight's shape. */
    private static INDArray diagonalBlocks(INDArray denseWeight, Geometry g) {
        int[] k = {g.kernel(), g.kernel()};
        INDArray blocks = Nd4j.zeros(denseWeight.dataType(), g.out(), g.in() / g.groups(), k[0], k[1]);
        forEachWeight(blocks, g, (groupedAt, denseAt) -> blocks.putScalar(groupedAt, denseWeight.getDouble(denseAt)));
        return blocks;
    }

    /** Each position of a grouped weight {@code [out, in/groups, k, k]} with its position in the dense weight. */
    private static void forEachWeight(INDArray groupedWeight, Geometry g, java.util.function.BiConsumer<long[], long[]> action) {
        long outPerGroup = g.out() / g.groups();
        long inPerGroup = g.in() / g.groups();
        for (long o = 0; o < g.out(); o++) {
            for (long i = 0; i < inPerGroup; i++) {
                for (long h = 0; h < g.kernel(); h++) {
                    for (long w = 0; w < g.kernel(); w++) {
                        action.accept(new long[] {o, i, h, w}, new long[] {o, (o / outPerGroup) * inPerGroup + i, h, w});
                    }
                }
            }
        }
    }

    private static DataSet cast(DataSet batch, DataType type) {
        return new DataSet(batch.getFeatures().castTo(type), batch.getLabels().castTo(type));
    }
}
