package dev.templatelab.training.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.ChannelSliceVertex;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Grouped convolutions stored one layer per group (TemplateLab's graphs before 2026-11-29: pretrained weights
 * registered then; Keras files) are read as the one grouped layer the templates have now.
 */
class BackboneTransferTest {

    @Test
    void perGroupLayersJoinIntoTheGroupedLayerInOrder() {
        Map<String, Map<String, INDArray>> layers = new LinkedHashMap<>();
        for (int g = 0; g < 3; g++) {
            layers.put("layer1_0_conv2_group" + g, Map.of("W", Nd4j.valueArrayOf(new long[] {2, 4, 3, 3}, g)));
        }

        INDArray w = BackboneTransfer.paramsOf(layers::get, "layer1_0_conv2").get("W");

        assertThat(w.shape()).containsExactly(6, 4, 3, 3);
        assertThat(w.getDouble(0, 0, 0, 0)).isZero();
        assertThat(w.getDouble(3, 1, 2, 2)).isEqualTo(1.0);
        assertThat(w.getDouble(5, 3, 0, 1)).isEqualTo(2.0);
        assertThat(BackboneTransfer.paramsOf(layers::get, "layer1_0_conv3")).isNull();
    }

    @Test
    void anOldGraphWithOneLayerPerGroupTransfersIntoTheGroupedLayer() {
        TemplateSpec spec = new TemplateSpec(3, 32, 32, 3, 1.0, 16, 16.0, HeadActivation.SOFTMAX);
        TemplateGraph target = GraphCursor.start(spec, Padding.EXPLICIT, BatchNormStyle.PYTORCH)
                .conv("pre", 4, 1, 1, 0, false).groupedConv("op", 8, 3, 1, 1, 2, false).globalAvgPool("pool")
                .denseClassifier(spec.numClasses(), spec.head(), 1.0).build("pool", List.of(TemplateGraph.OUTPUT));
        // As GraphCursor built a grouped convolution before: channel slices, one convolution per group, a merge
        // vertex under the layer's name.
        ComputationGraph old = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5)
                .dataType(DataType.FLOAT).weightInit(WeightInit.RELU).activation(Activation.IDENTITY).graphBuilder()
                .addInputs("input").setInputTypes(InputType.convolutional(32, 32, 3))
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(4).hasBias(false).build(), "input")
                .addVertex("op_slice0", new ChannelSliceVertex(0, 1), "pre")
                .addVertex("op_slice1", new ChannelSliceVertex(2, 3), "pre")
                .addLayer("op_group0", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(4).hasBias(false).build(),
                        "op_slice0")
                .addLayer("op_group1", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(4).hasBias(false).build(),
                        "op_slice1")
                .addVertex("op", new MergeVertex(), "op_group0", "op_group1")
                .setOutputs("op").build());
        old.init();
        ComputationGraph net = target.newNetwork(1);

        BackboneTransfer.copyBackbone(old, "the old graph", net, target);

        assertThat(net.getParam("pre_W")).isEqualTo(old.getParam("pre_W"));
        assertThat(net.getParam("op_W")).isEqualTo(Nd4j.concat(0, old.getParam("op_group0_W"), old.getParam("op_group1_W")));
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
        assertThat(net.feedForward(x, false).get("op")).as("the same function as the old graph's")
                .isEqualTo(old.feedForward(x, false).get("op"));
    }

    @Test
    void aLayerMissingFromTheSourceIsNamed() {
        TemplateSpec spec = new TemplateSpec(3, 32, 32, 3, 1.0, 16, 16.0, HeadActivation.SOFTMAX);
        TemplateGraph target = GraphCursor.start(spec, Padding.EXPLICIT, BatchNormStyle.PYTORCH)
                .conv("pre", 4, 1, 1, 0, false).conv("op", 8, 3, 1, 1, false).globalAvgPool("pool")
                .denseClassifier(spec.numClasses(), spec.head(), 1.0).build("pool", List.of(TemplateGraph.OUTPUT));
        TemplateGraph other = GraphCursor.start(spec, Padding.EXPLICIT, BatchNormStyle.PYTORCH)
                .conv("pre", 4, 1, 1, 0, false).globalAvgPool("pool")
                .denseClassifier(spec.numClasses(), spec.head(), 1.0).build("pool", List.of(TemplateGraph.OUTPUT));

        assertThatThrownBy(() -> BackboneTransfer.copyBackbone(other.newNetwork(1), "the other graph", target.newNetwork(2), target))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the other graph has no layer 'op'");
    }
}
