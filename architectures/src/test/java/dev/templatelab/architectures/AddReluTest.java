package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.graph.AddRelu;
import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import dev.templatelab.architectures.graph.ReluActivation;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.architectures.runtime.OneDnnAddReluVertex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link AddRelu} (one vertex, one gradient array shared by its inputs where that is safe) computes what DL4J's
 * sum followed by a ReLU layer computes (a copy of the gradient for each input): the same graph built both ways,
 * same weights, outputs and every gradient, on the fast path and on the stock path. The graphs are
 * {@code HelperParityTest}'s AddRelu kinds, one of them built so that sharing the gradient with both inputs would
 * be wrong.
 */
@Tag("channel-blocks")
@ExtendWith(RestoresHelperSwitch.class)
class AddReluTest {

    private static final TemplateSpec INPUT = new TemplateSpec(3, 32, 32, 3, 1.0, 6, 4.0, HeadActivation.SOFTMAX);

    static Stream<Arguments> graphs() {
        return HelperParityTest.layerKinds().filter(kind -> ((String) kind.get()[0]).contains("AddRelu"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("graphs")
    void computesWhatASumAndAReluLayerCompute(String name, Padding mode, UnaryOperator<GraphCursor> op) {
        GraphCursor x = GraphCursor.start(INPUT, mode, BatchNormStyle.PYTORCH).conv("pre", 16, 1, 1, 0, false);
        TemplateGraph joined = op.apply(x).globalAvgPool("pool").denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0)
                .build("pool", List.of(TemplateGraph.OUTPUT));
        TemplateGraph separate = new TemplateGraph(sumAndReluLayer(joined.configuration()), joined.input(),
                joined.featureVertex(), joined.headVertices());
        FastAndStock.assertSameNetworks(name, joined, separate, Networks.randomBatch(INPUT, 4, 21, false), 1e-5);
    }

    /** The point of sharing: in every ResNet block both inputs take the gradient array itself, no copy. */
    @Test
    void resNetBlocksHandBothInputsTheGradientItself() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        TemplateSpec small = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);
        ComputationGraph net = TemplateRegistry.standard().get("MMClassification_ResNet_50_RSB_A1").build(small)
                .newNetwork(1);
        List<OneDnnAddReluVertex> sums = Arrays.stream(net.getVertices())
                .filter(OneDnnAddReluVertex.class::isInstance).map(OneDnnAddReluVertex.class::cast).toList();
        assertThat(sums).hasSize(16);
        for (OneDnnAddReluVertex sum : sums) {
            assertThat(sum.sharesGradientWithInput(0) && sum.sharesGradientWithInput(1))
                    .as("%s shares its gradient with both inputs", sum.getVertexName()).isTrue();
        }
    }

    /** An input not known to hand on a new gradient array (here a concatenation) gets a copy; the other shares. */
    @Test
    void aConcatenationGetsACopy() {
        GraphCursor x = GraphCursor.start(INPUT, Padding.EXPLICIT, BatchNormStyle.PYTORCH).conv("pre", 16, 1, 1, 0, false);
        ComputationGraph net = GraphCursor.concat("cat", x.branch().conv("a", 8, 3, 1, 1, false),
                        x.branch().conv("b", 8, 1, 1, 0, false)).addRelu("op", x)
                .globalAvgPool("pool").denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0)
                .build("pool", List.of(TemplateGraph.OUTPUT)).newNetwork(1);
        OneDnnAddReluVertex sum = (OneDnnAddReluVertex) net.getVertex("op");
        assertThat(sum.sharesGradientWithInput(0)).as("the concatenation shares").isFalse();
        assertThat(sum.sharesGradientWithInput(1)).as("the convolution shares").isTrue();
    }

    /** A copy of {@code conf} with each AddRelu vertex as DL4J's sum and a ReLU layer after it. */
    private static ComputationGraphConfiguration sumAndReluLayer(ComputationGraphConfiguration conf) {
        ComputationGraphConfiguration copy = conf.clone();
        LayerVertex anyLayer = (LayerVertex) copy.getVertices().values().stream()
                .filter(v -> v instanceof LayerVertex layer && layer.getPreProcessor() == null).findFirst()
                .orElseThrow();
        int sums = 0;
        for (String name : new ArrayList<>(copy.getVertices().keySet())) {
            if (!(copy.getVertices().get(name) instanceof AddRelu)) {
                continue;
            }
            String relu = name + "_relu";
            for (List<String> inputs : copy.getVertexInputs().values()) {
                inputs.replaceAll(input -> input.equals(name) ? relu : input);
            }
            copy.getNetworkOutputs().replaceAll(output -> output.equals(name) ? relu : output);
            copy.getVertices().put(name, new ElementWiseVertex(ElementWiseVertex.Op.Add));
            LayerVertex reluVertex = (LayerVertex) anyLayer.clone();
            ReluActivation layer = new ReluActivation();
            layer.setLayerName(relu);
            reluVertex.getLayerConf().setLayer(layer);
            copy.getVertices().put(relu, reluVertex);
            copy.getVertexInputs().put(relu, new ArrayList<>(List.of(name)));
            sums++;
        }
        assertThat(sums).as("AddRelu vertices").isEqualTo(1);
        copy.setTopologicalOrder(null);
        copy.setTopologicalOrderStr(null);
        return copy;
    }

}
