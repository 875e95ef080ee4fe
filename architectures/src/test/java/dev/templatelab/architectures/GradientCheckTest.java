package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Finite-difference gradient checks of every layer kind the templates use, with TemplateLab's default
 * configuration (oneDNN layer helpers on, see {@link Nd4jRuntime}).
 *
 * <p>Each kind sits in a tiny graph between a 1x1 stride-4 convolution (so its input gradient is checked
 * too, on an 8x8 map that keeps every score cheap) and a classifier. Two checks:
 * <ul>
 *   <li>DL4J's {@link GradientCheckUtil} in double precision: every parameter perturbed by +-1e-6. oneDNN computes in float only, so DL4J's helpers step aside in
 *       double: this proves the layers' mathematics (DL4J's built-in layers and TemplateLab's own).</li>
 *   <li>The same idea in float32 on the fast path itself, where the oneDNN helpers do run (asserted per
 *       layer): central differences with a 1e-3 step on {@value #FLOAT_SAMPLES} values per array.</li>
 * </ul>
 * {@link HelperParityTest} adds the third side: fast path and built-in layers agree to 1e-4 on the same weights.
 * This test found that a DL4J {@code SameDiffLayer} doubled its gradients (see {@code CosineClassifierLayer}).
 */
class GradientCheckTest {

    private static final TemplateSpec INPUT = new TemplateSpec(3, 32, 32, 3, 1.0, 6, 4.0, HeadActivation.SOFTMAX);
    private static final double EPSILON = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-3;
    private static final double MIN_ABSOLUTE_ERROR = 1e-8;
    /** Values checked per parameter array, spread over it (two forward passes each): keeps CI at seconds. */
    /**
     * Channels of every graph: DL4J's GradientCheckUtil checks every parameter of a ComputationGraph (its
     * subset option only works for MultiLayerNetwork), so the graphs stay this narrow.
     */
    private static final int WIDTH = 4;
    private static final int FLOAT_SAMPLES = 6;
    private static final double FLOAT_STEP = 1e-3;

    private static DataType previousDefault;

    @BeforeAll
    static void doublePrecision() {
        Nd4jRuntime.configure();
        previousDefault = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restorePrecision() {
        Nd4j.setDefaultDataTypes(previousDefault, previousDefault);
    }

    /** The kinds compared op by op in {@link HelperParityTest}, plus the vertices only the templates' heads use. */
    static Stream<Arguments> layerKinds() {
        Stream<Arguments> heads = Stream.of(
                Arguments.of("concat (Inception merge)", Padding.EXPLICIT, (UnaryOperator<GraphCursor>) x ->
                        GraphCursor.concat("op", x.branch().conv("a", 2, 1, 1, 0, false), x.branch().conv("b", 2, 3, 1, 1, false))),
                Arguments.of("channel slice", Padding.EXPLICIT, (UnaryOperator<GraphCursor>) x -> x.channelSlice("op", 1, 2)));
        return Stream.concat(HelperParityTest.layerKinds(WIDTH), heads);
    }

    /**
     * The kinds checked against float32 finite differences: all but the ReLU kinds (their names start with
     * "relu"). A step of 1e-3 (the smallest float32 allows) moves pre-activations across ReLU's kink at 0, so
     * there the finite difference itself is off (seen: 0.00286 against backprop's 0.00255 for one weight). The ReLU
     * on the fast path is covered by the double-precision check above (on DL4J's code) and by
     * {@code HelperParityTest}, which finds oneDNN's ReLU equal to DL4J's within 1e-4, values and every gradient.
     */
    static Stream<Arguments> floatCheckedKinds() {
        return layerKinds().filter(kind -> !((String) kind.get()[0]).startsWith("relu"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layerKinds")
    void backpropMatchesFiniteDifferences(String name, Padding mode, UnaryOperator<GraphCursor> op) {
        GraphCursor x = GraphCursor.start(INPUT, mode, BatchNormStyle.PYTORCH).conv("pre", WIDTH, 1, 4, 0, false);
        ComputationGraph net = doubleNetwork(op.apply(x).globalAvgPool("pool")
                .denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0)
                .build("pool", java.util.List.of(TemplateGraph.OUTPUT)));
        assertHelpersOnFastPath(name, net);
        assertGradientsCheck(name, net);
    }

    /**
     * The same check in float32 on oneDNN's own kernels (they only run in float): central differences with a
     * step of 1e-3 on a sample of every parameter array, against backprop on the fast path. Float rounding of
     * the loss limits the numeric gradient to about 1e-4, hence the looser tolerance than in double.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("floatCheckedKinds")
    void fastPathFloatGradientsMatchFiniteDifferences(String name, Padding mode, UnaryOperator<GraphCursor> op) {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        try {
            GraphCursor x = GraphCursor.start(INPUT, mode, BatchNormStyle.PYTORCH).conv("pre", WIDTH, 1, 4, 0, false);
            ComputationGraph net = Networks.withUpdater(op.apply(x).globalAvgPool("pool")
                    .denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0)
                    .build("pool", java.util.List.of(TemplateGraph.OUTPUT)), new NoOp(), 7);
            assertHelpersOnFastPath(name, net);
            DataSet batch = Networks.randomBatch(INPUT, 3, 13, false);
            net.setInputs(batch.getFeatures());
            net.setLabels(batch.getLabels());
            net.computeGradientAndScore();
            Map<String, INDArray> backprop = new TreeMap<>();
            net.gradient().gradientForVariable().forEach((k, v) -> backprop.put(k, v.dup()));
            List<String> failures = new ArrayList<>();
            for (var entry : backprop.entrySet()) {
                if (isRunningStatistic(entry.getKey())) {
                    continue;     // DL4J keeps its running-average update there, not a gradient
                }
                INDArray param = net.getParam(entry.getKey());
                long n = param.length();
                for (long j = 0; j < Math.min(n, FLOAT_SAMPLES); j++) {
                    // Element by subscripts: parameter views may be 'f'-ordered, their gradient copies 'c'.
                    long[] at = Shape.ind2subC(param.shape(), j * n / Math.min(n, FLOAT_SAMPLES));
                    double original = param.getDouble(at);
                    param.putScalar(at, original + FLOAT_STEP);
                    double plus = net.score(batch, true);
                    param.putScalar(at, original - FLOAT_STEP);
                    double minus = net.score(batch, true);
                    param.putScalar(at, original);
                    double numeric = (plus - minus) / (2 * FLOAT_STEP);
                    // computeGradientAndScore sums over the batch; the score (and DL4J's updater) averages
                    double analytic = entry.getValue().getDouble(at) / batch.numExamples();
                    if (Math.abs(numeric - analytic) > 2e-4 + 2e-2 * Math.abs(analytic)) {
                        failures.add(String.format("%s%s: backprop %.6g, finite difference %.6g", entry.getKey(), Arrays.toString(at),
                                analytic, numeric));
                    }
                }
            }
            assertThat(failures).as("%s on the oneDNN path, float32", name).isEmpty();
            FastAndStock.assertNoHelperFellBack(name, net);
        } finally {
            Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        }
    }

    /** The embed-norm head: embedding, L2 normalisation, scaled cosine logits, for softmax and sigmoid losses. */
    @ParameterizedTest(name = "embed-norm head, {0}")
    @MethodSource("heads")
    void embedNormHeadMatchesFiniteDifferences(HeadActivation head) {
        TemplateSpec spec = new TemplateSpec(3, 32, 32, 3, 1.0, 6, 4.0, head);
        GraphCursor x = GraphCursor.start(spec, Padding.EXPLICIT, BatchNormStyle.PYTORCH).conv("pre", WIDTH, 1, 4, 0, false)
                .batchNorm("bn").relu("relu").globalAvgPool("pool")
                .dense("embedding", spec.embeddingSize(), false).l2Normalize("embedding_norm")
                .cosineClassifier("cosine_logits", spec.numClasses(), spec.cosineScale(), head);
        ComputationGraph net = doubleNetwork(x.build("embedding_norm", java.util.List.of("cosine_logits", TemplateGraph.OUTPUT)));
        assertGradientsCheck("embed-norm head " + head, net);
    }

    static Stream<HeadActivation> heads() {
        return Stream.of(HeadActivation.SOFTMAX, HeadActivation.SIGMOID);
    }

    /** The template's graph in double precision with a no-op updater, as GradientCheckUtil requires. */
    private static ComputationGraph doubleNetwork(TemplateGraph template) {
        ComputationGraphConfiguration conf = template.configuration().clone();
        conf.setDataType(DataType.DOUBLE);
        ComputationGraph net = Networks.withUpdater(
                new TemplateGraph(conf, template.input(), template.featureVertex(), template.headVertices()), new NoOp(), 7);
        assertThat(net.params().dataType()).isEqualTo(DataType.DOUBLE);
        return net;
    }

    private static void assertGradientsCheck(String name, ComputationGraph net) {
        var batch = Networks.randomBatch(INPUT, 2, 13, false);
        INDArray features = batch.getFeatures().castTo(DataType.DOUBLE);
        INDArray labels = batch.getLabels().castTo(DataType.DOUBLE);
        // Running mean/variance are stored as parameters but receive no gradient.
        Set<String> runningStatistics = net.paramTable().keySet().stream()
                .filter(GradientCheckTest::isRunningStatistic).collect(Collectors.toSet());
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                .inputs(new INDArray[] {features}).labels(new INDArray[] {labels})
                .epsilon(EPSILON).maxRelError(MAX_RELATIVE_ERROR).minAbsoluteError(MIN_ABSOLUTE_ERROR)
                .excludeParams(runningStatistics)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                .exitOnFirstError(false));
        assertThat(ok).as("%s: every gradient within %s relative of finite differences (see log for failures)",
                name, MAX_RELATIVE_ERROR).isTrue();
    }

    private static boolean isRunningStatistic(String param) {
        return param.endsWith("_mean") || param.endsWith("_var") || param.endsWith("_log10stdev");
    }

    /** Convolution, pooling and batch-norm layers of the op under test carry a oneDNN helper; batch norm ours. */
    private static void assertHelpersOnFastPath(String name, ComputationGraph net) {
        assertThat(Nd4jRuntime.oneDnnHelpersActive()).as("oneDNN helpers active").isTrue();
        for (Layer layer : net.getLayers()) {
            String layerName = layer.conf().getLayer().getLayerName();
            LayerHelper helper = helperOf(layer);
            boolean expected = layerName.equals("pre") || (layerName.startsWith("op") && helperKind(layer));
            if (expected) {
                assertThat(helper).as("%s: layer %s runs on a oneDNN helper", name, layerName).isNotNull();
            }
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                assertThat(helper).as("%s: batch norm %s runs on TemplateLab's helper", name, layerName)
                        .isInstanceOf(dev.templatelab.architectures.runtime.OneDnnBatchNormHelper.class);
            }
        }
    }

    /** The layers that run on a oneDNN helper on the fast path (every pooling: TemplateLab's {@code OneDnnPoolHelper}). */
    private static boolean helperKind(Layer layer) {
        return layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer
                || layer instanceof org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer
                || layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization;
    }

    private static LayerHelper helperOf(Layer layer) {
        try {
            return (LayerHelper) layer.getClass().getMethod("getHelper").invoke(layer);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
