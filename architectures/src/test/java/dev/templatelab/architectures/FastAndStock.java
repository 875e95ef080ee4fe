package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.graph.ComputationGraph;
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

    /** max |actual - expected| <= tolerance * max |expected| (with a floor for all-zero arrays). */
    static void assertRelative(String what, INDArray actual, INDArray expected, double tolerance) {
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-6);
        double maxDiff = actual.sub(expected).amaxNumber().doubleValue();
        assertThat(maxDiff).as("%s: max |fast - stock| = %s, largest |stock| %s", what, maxDiff, scale)
                .isLessThanOrEqualTo(tolerance * scale);
    }
}
