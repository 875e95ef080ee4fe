package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.graph.Convolution;
import dev.templatelab.architectures.runtime.InputGradients;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The layers that read the network's input leave out the gradient with respect to the images
 * ({@link InputGradients}, what every template network gets), and training computes the same gradients for every
 * parameter as a network that computes it.
 */
@Tag("channel-blocks")
@ExtendWith(RestoresHelperSwitch.class)
class InputGradientsTest {

    private static final TemplateSpec SPEC = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);

    static Stream<String> templates() {
        return TemplateRegistry.standard().list().stream().map(Template::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void theStemSkipsTheImageGradientAndEveryParameterGradientIsUnchanged(String name) {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        TemplateGraph graph = TemplateRegistry.standard().get(name).build(SPEC);
        ComputationGraph skipping = graph.newNetwork(5);
        ComputationGraph computing = Networks.restoredFromJson(skipping);      // not prepared: computes it
        computing.setParams(skipping.params().dup());
        Nd4jRuntime.prepare(computing);
        InputGradients.skipAtNetworkInputs(computing).forEach(v ->
                ((InputGradients.Skippable) computing.getLayer(v)).skipInputGradient(false));

        // Inception-v2's stem pads as TF's SAME itself; a zero-padding layer in front (graphs built before) would
        // read the input instead, and DL4J always runs its backward
        Set<String> readers = readersOfTheInput(skipping);
        assertThat(InputGradients.skipAtNetworkInputs(skipping)).as("%s: layers skipping the image gradient", name)
                .isEqualTo(readers).isNotEmpty();
        DataSet batch = Networks.randomBatch(SPEC, 4, 11, false);
        Map<String, INDArray> expected = FastAndStock.gradients(computing, batch);
        Map<String, INDArray> actual = FastAndStock.gradients(skipping, batch);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (Map.Entry<String, INDArray> e : expected.entrySet()) {
            FastAndStock.assertRelative(name + " gradient " + e.getKey(), actual.get(e.getKey()), e.getValue(), 1e-6);
        }
        FastAndStock.assertNoHelperFellBack(name, skipping);

        for (String stem : readersOfTheInput(skipping)) {
            assertThat(imageGradient(skipping, stem, batch)).as("%s: %s's input gradient", name, stem).isNull();
            assertThat(imageGradient(computing, stem, batch)).as("%s: %s's input gradient", name, stem).isNotNull();
        }
    }

    /** An input read by two layers: DL4J sums their gradients for it, so neither may leave its own out. */
    @ParameterizedTest(name = "helpers disabled: {0}")
    @ValueSource(booleans = {false, true})
    void anInputReadTwiceKeepsBothGradients(boolean helpersDisabled) {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, Boolean.toString(helpersDisabled));
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(12, 12, 3))
                .addLayer("a", new Convolution(3, 1, 1, 8, 1, false), "in")
                .addLayer("b", new Convolution(1, 1, 0, 8, 1, true), "in")
                .addVertex("both", new MergeVertex(), "a", "b")
                .addLayer("pool", new GlobalPoolingLayer(PoolingType.AVG), "both")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        Nd4jRuntime.prepare(net);
        assertThat(InputGradients.skipAtNetworkInputs(net)).isEmpty();
        Nd4j.getRandom().setSeed(1);
        DataSet batch = new DataSet(Nd4j.randn(DataType.FLOAT, 2, 3, 12, 12), Nd4j.eye(2).castTo(DataType.FLOAT));
        assertThat(FastAndStock.gradients(net, batch)).containsKeys("a_W", "b_W", "b_b");
        for (String reader : new String[] {"a", "b"}) {
            assertThat(imageGradient(net, reader, batch)).as("%s's input gradient", reader).isNotNull();
        }
    }

    private static Set<String> readersOfTheInput(ComputationGraph net) {
        GraphVertex input = net.getVertex(TemplateGraph.INPUT);
        return Stream.of(input.getOutputVertices())
                .map(v -> net.getVertices()[v.getVertexIndex()].getVertexName()).collect(Collectors.toSet());
    }

    /** The backward pass of a layer reading the network input, on its own, after its forward pass. */
    private static INDArray imageGradient(ComputationGraph net, String reader, DataSet batch) {
        org.deeplearning4j.nn.api.Layer layer = net.getLayer(reader);
        layer.setInput(batch.getFeatures(), LayerWorkspaceMgr.noWorkspaces());
        INDArray output = layer.activate(true, LayerWorkspaceMgr.noWorkspaces());
        return layer.backpropGradient(output.dup().assign(1), LayerWorkspaceMgr.noWorkspaces()).getSecond();
    }
}
