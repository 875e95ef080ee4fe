package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.runtime.OneDnnConvolutionLayer;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * One graph built twice with the same weights: on DL4J's stock path (helpers off) and on TemplateLab's fast path
 * (oneDNN helpers on), and how the parity tests compare the two. Use with {@link RestoresHelperSwitch}.
 */
record FastAndStock(ComputationGraph stock, ComputationGraph fast) {

    static FastAndStock of(TemplateGraph graph, long seed) {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "true");
        ComputationGraph stock = Networks.withUpdater(graph, new Sgd(0.0), seed);
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph fast = Networks.withUpdater(graph, new Sgd(0.0), seed);
        assertThat(Nd4jRuntime.oneDnnHelpersActive()).as("oneDNN helpers active on this backend").isTrue();
        fast.setParams(stock.params().dup());
        return new FastAndStock(stock, fast);
    }

    /**
     * The stock network in double precision: DL4J's built-in layers with float rounding out of the way, the
     * reference for cases where two float computations of the same maths legitimately differ by more than
     * the tolerance (ill-conditioned inputs), so that neither float path is taken as the truth.
     */
    ComputationGraph stockInDouble() {
        return stock.convertDataType(DataType.DOUBLE);
    }

    static DataSet inDouble(DataSet batch) {
        return new DataSet(batch.getFeatures().castTo(DataType.DOUBLE), batch.getLabels().castTo(DataType.DOUBLE));
    }

    /** |actual - reference| / |reference| over all elements, in double. */
    static double relativeError(INDArray actual, INDArray reference) {
        INDArray r = reference.castTo(DataType.DOUBLE);
        return actual.castTo(DataType.DOUBLE).sub(r).norm2Number().doubleValue() / r.norm2Number().doubleValue();
    }

    /** Every parameter's gradient on {@code batch}, copied. */
    static Map<String, INDArray> gradients(ComputationGraph net, DataSet batch) {
        Nd4j.getRandom().setSeed(99);     // identical dropout masks on both paths
        net.setInputs(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        Map<String, INDArray> copy = new TreeMap<>();
        net.gradient().gradientForVariable().forEach((k, v) -> copy.put(k, v.dup()));
        return copy;
    }

    /**
     * No layer of {@code net} fell back from its helper to DL4J's built-in code. The templates allow the
     * fallback (a helper error then costs speed, not the run), and DL4J only logs it, so without this check a
     * failing helper would leave every parity test comparing the stock path with itself.
     */
    static void assertNoHelperFellBack(String what, ComputationGraph net) {
        for (Layer layer : net.getLayers()) {
            if (layer instanceof OneDnnConvolutionLayer convolution && Nd4jRuntime.oneDnnHelpersActive()
                    && net.params().dataType() == DataType.FLOAT) {
                assertThat(convolution.passesOnOneDnn()).as("%s: passes of convolution %s on oneDNN", what,
                        layer.conf().getLayer().getLayerName()).isPositive();
            }
            for (Class<?> c = layer.getClass(); c != null; c = c.getSuperclass()) {
                try {
                    java.lang.reflect.Field failures = c.getDeclaredField("helperCountFail");
                    failures.setAccessible(true);
                    assertThat(failures.getInt(layer)).as("%s: helper failures of layer %s (see the log)", what,
                            layer.conf().getLayer().getLayerName()).isZero();
                    break;
                } catch (NoSuchFieldException e) {
                    // not declared at this level; look further up
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /**
     * Two networks that should compute the same thing (one graph built two ways): the output on {@code batch} in
     * inference and every parameter's gradient, within {@code tolerance} ({@link #assertRelative}).
     */
    static void assertSameOutputAndGradients(String what, ComputationGraph actual, ComputationGraph expected,
                                             DataSet batch, double tolerance) {
        assertRelative(what + ", output", actual.outputSingle(false, batch.getFeatures()),
                expected.outputSingle(false, batch.getFeatures()), tolerance);
        Map<String, INDArray> expectedGradients = gradients(expected, batch);
        Map<String, INDArray> actualGradients = gradients(actual, batch);
        assertThat(actualGradients.keySet()).isEqualTo(expectedGradients.keySet());
        for (String key : expectedGradients.keySet()) {
            assertRelative(what + ", gradient " + key, actualGradients.get(key), expectedGradients.get(key), tolerance);
        }
    }

    /**
     * {@code graph} and {@code rebuilt} (the same maths, built another way) compute the same output and gradients
     * from the same weights, on the fast path and on the stock path ({@link #assertSameOutputAndGradients}); no
     * helper of {@code graph}'s fast network fell back.
     */
    static void assertSameNetworks(String what, TemplateGraph graph, TemplateGraph rebuilt, DataSet batch,
                                   double tolerance) {
        FastAndStock expected = of(rebuilt, 3);
        FastAndStock actual = of(graph, 3);
        copyParametersByName(actual.stock(), expected.stock());
        copyParametersByName(actual.stock(), expected.fast());
        assertSameOutputAndGradients(what + ", fast path", actual.fast(), expected.fast(), batch, tolerance);
        assertSameOutputAndGradients(what + ", stock path", actual.stock(), expected.stock(), batch, tolerance);
        assertNoHelperFellBack(what, actual.fast());
    }

    /** Copies the parameters layer by layer, by name: graphs built two ways may flatten them in different orders. */
    static void copyParametersByName(ComputationGraph from, ComputationGraph to) {
        for (Layer layer : from.getLayers()) {
            Layer target = to.getLayer(layer.conf().getLayer().getLayerName());
            layer.paramTable().forEach((key, value) -> target.getParam(key).assign(value));
        }
    }

    /** max |actual - expected| <= tolerance * max |expected| (with a floor for all-zero arrays). */
    static void assertRelative(String what, INDArray actual, INDArray expected, double tolerance) {
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-6);
        double maxDiff = actual.castTo(expected.dataType()).sub(expected).amaxNumber().doubleValue();
        assertThat(maxDiff).as("%s: max |fast - stock| = %s, largest |stock| %s", what, maxDiff, scale)
                .isLessThanOrEqualTo(tolerance * scale);
    }
}
