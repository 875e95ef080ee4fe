package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.runtime.Bfloat16Convolutions;
import dev.templatelab.architectures.runtime.OneDnnConvolutionLayer;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link Bfloat16Convolutions}: on a CPU with AVX-512 BF16, a shallow network and a ResNet-50 (width 0.5, 32 px)
 * whose convolutions multiply in bfloat16 compute the float32 network's loss and gradients to within bfloat16's
 * rounding, on oneDNN's bfloat16 kernels, and switched back computes exactly what float32 does. On a CPU without, asking for it
 * is refused with what the machine has and what to do. Which of the two runs depends on the CPU under the test
 * (both are the behaviour the feature promises); the test's output says which.
 */
class Bfloat16ConvolutionsTest {

    private static final TemplateSpec SPEC = new TemplateSpec(5, 32, 32, 3, 0.5, 32, 16.0, HeadActivation.SOFTMAX);

    @Test
    void multipliesInBfloat16WhereTheCpuHasItAndIsRefusedWhereNot() {
        TemplateGraph graph = TemplateRegistry.standard().get("MMClassification_ResNet_50_RSB_A1").build(SPEC);
        ComputationGraph float32 = graph.newNetwork(3);
        ComputationGraph bfloat16 = graph.newNetwork(3);
        bfloat16.setParams(float32.params().dup());
        if (!Bfloat16Convolutions.supported()) {
            System.out.println("Bfloat16ConvolutionsTest: this CPU has no AVX-512 BF16; checking the refusal");
            assertThatThrownBy(() -> Bfloat16Convolutions.apply(bfloat16, true))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs a CPU with AVX-512 BF16")
                    .hasMessageContaining("precision=float32");
            return;
        }
        System.out.println("Bfloat16ConvolutionsTest: this CPU has AVX-512 BF16; checking the arithmetic");
        assertAShallowNetworksGradientsMoveByBfloat16Rounding();
        List<OneDnnConvolutionLayer> convolutions = convolutions(bfloat16);
        assertThat(Bfloat16Convolutions.apply(bfloat16, true)).isEqualTo(convolutions.size()).isGreaterThan(50);
        DataSet batch = Networks.randomBatch(SPEC, 4, 7, false);
        Map<String, INDArray> expected = FastAndStock.gradients(float32, batch);
        Map<String, INDArray> actual = FastAndStock.gradients(bfloat16, batch);

        // bfloat16 keeps 8 significant bits (each rounding up to 2^-9 relative); sums stay float32. A weight's
        // gradient is a sum over every pixel of products whose mean batch norm has taken out, so the roundings of
        // its factors cancel less than the sum itself does: the 1x1 convolution next to the classifier moves by
        // 0.6 %, the first layers of a shallow network by 6-7 % (the next test), and at initialisation every layer
        // of this 50-layer network by up to 21 % (the whole gradient 12.5 %). A wrong layout or kernel moves them by
        // ~100 % or more. What training makes of it: TrainingJobTest and bench/accuracy (README "Performance").
        assertThat(bfloat16.score()).isCloseTo(float32.score(), org.assertj.core.data.Percentage.withPercentage(1));
        double largest = 0;
        for (Map.Entry<String, INDArray> e : expected.entrySet()) {
            if (e.getValue().norm2Number().doubleValue() == 0) {
                assertThat(actual.get(e.getKey()).norm2Number().doubleValue()).as("gradient %s", e.getKey()).isZero();
                continue;
            }
            double error = FastAndStock.relativeError(actual.get(e.getKey()), e.getValue());
            assertThat(error).as("gradient %s, relative to float32's", e.getKey()).isLessThan(0.4);
            largest = Math.max(largest, error);
        }
        assertThat(largest).as("bfloat16 rounding is visible in the gradients (float32 repeats itself exactly)")
                .isGreaterThan(1e-3);
        double whole = FastAndStock.relativeError(flat(actual), flat(expected));
        System.out.println("Bfloat16ConvolutionsTest: whole gradient " + whole + ", largest per parameter " + largest);
        assertThat(whole).as("whole gradient, relative to float32's").isLessThan(0.25);
        for (OneDnnConvolutionLayer c : convolutions) {     // oneDNN has bfloat16 kernels for all of them, the stem too
            assertThat(c.forwardImplementation()).as(c.conf().getLayer().getLayerName()).contains("bf16");
        }

        Bfloat16Convolutions.apply(bfloat16, false);
        Map<String, INDArray> again = FastAndStock.gradients(bfloat16, batch);
        expected.forEach((name, g) -> assertThat(again.get(name)).as("float32 again: %s", name).isEqualTo(g));
        assertThat(convolutions.get(convolutions.size() - 1).forwardImplementation()).doesNotContain("bf16");
    }

    /** Seen: the whole gradient 3.3 %, the last convolution's weights 0.57 %, the classifier's 0.29 %. */
    private static void assertAShallowNetworksGradientsMoveByBfloat16Rounding() {
        TemplateSpec input = new TemplateSpec(3, 32, 32, 3, 1.0, 16, 16.0, HeadActivation.SOFTMAX);
        TemplateGraph graph = dev.templatelab.architectures.graph.GraphCursor.start(input,
                        dev.templatelab.architectures.graph.Padding.EXPLICIT,
                        dev.templatelab.architectures.graph.BatchNormStyle.PYTORCH)
                .conv("a", 16, 3, 2, 1, false).batchNormRelu("a_bn").conv("b", 32, 3, 1, 1, false).batchNormRelu("b_bn")
                .conv("c", 32, 1, 1, 0, true).globalAvgPool("pool").denseClassifier(3, HeadActivation.SOFTMAX, 1.0)
                .build("pool", List.of(TemplateGraph.OUTPUT));
        ComputationGraph float32 = graph.newNetwork(5);
        ComputationGraph bfloat16 = graph.newNetwork(5);
        bfloat16.setParams(float32.params().dup());
        Bfloat16Convolutions.apply(bfloat16, true);
        DataSet batch = Networks.randomBatch(input, 8, 11, false);
        Map<String, INDArray> expected = FastAndStock.gradients(float32, batch);
        Map<String, INDArray> actual = FastAndStock.gradients(bfloat16, batch);
        double whole = FastAndStock.relativeError(flat(actual), flat(expected));
        System.out.println("Bfloat16ConvolutionsTest: shallow network, whole gradient " + whole);
        assertThat(whole).as("whole gradient, relative to float32's").isLessThan(0.08).isGreaterThan(1e-4);
        assertThat(FastAndStock.relativeError(actual.get("c_W"), expected.get("c_W")))
                .as("the last convolution's weight gradient: one rounding of each factor").isLessThan(0.02);
    }

    private static INDArray flat(Map<String, INDArray> gradients) {
        return org.nd4j.linalg.factory.Nd4j.toFlattened(gradients.values());
    }

    private static List<OneDnnConvolutionLayer> convolutions(ComputationGraph net) {
        return java.util.Arrays.stream(net.getLayers()).filter(l -> l instanceof OneDnnConvolutionLayer)
                .map(l -> (OneDnnConvolutionLayer) l).toList();
    }
}
