package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.architectures.runtime.OneDnnReluLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every ReLU of every template runs on {@link OneDnnReluLayer}: on oneDNN when the helpers are on, DL4J's own
 * code when they are off, and still after a restore from the saved configuration. That both paths compute the
 * same values and gradients is {@code HelperParityTest}'s "relu" kinds and every whole template there;
 * {@code GradientCheckTest} checks the oneDNN path against finite differences.
 */
@ExtendWith(RestoresHelperSwitch.class)
class OneDnnReluLayerTest {

    private static final TemplateSpec SMALL = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);

    @Test
    void everyTemplateRunsItsReluOnOneDnnOnTheFastPath() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        for (Template template : TemplateRegistry.standard().list()) {
            assertThat(relus(template.build(SMALL).newNetwork(1), true)).as("%s ReLU layers", template.name())
                    .isPositive();
        }
    }

    @Test
    void withHelpersOffReluRunsDl4jsOwnCode() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "true");
        ComputationGraph net = TemplateRegistry.standard().get("Clarifai_InceptionV2").build(SMALL).newNetwork(1);
        assertThat(relus(net, false)).isPositive();
    }

    @Test
    void aNetworkRestoredFromItsSavedConfigurationKeepsTheOneDnnRelu() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = TemplateRegistry.standard().get("Clarifai_ResNext").build(SMALL).newNetwork(1);
        ComputationGraph restored = Networks.restoredFromJson(net);
        assertThat(relus(restored, true)).isEqualTo(relus(net, true));
    }

    /**
     * Inference at 32 px, where the last Inception stages are 1x1 maps (ND4J gives size-1 dimensions unusual
     * strides): the in-place ReLU must recognise those arrays as plain row-major and not copy them out of the
     * activations' workspace (that had failed DL4J's workspace validation in training-time evaluation).
     */
    @Test
    void inferenceOnOneByOneFeatureMapsMatchesTheStockPath() {
        TemplateSpec tiny = new TemplateSpec(5, 32, 32, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);
        for (String name : java.util.List.of("Clarifai_InceptionV2", "Clarifai_InceptionBatchNorm")) {
            FastAndStock pair = FastAndStock.of(TemplateRegistry.standard().get(name).build(tiny), 3);
            var batch = Networks.randomBatch(tiny, 4, 5, false);
            for (int i = 0; i < 2; i++) {     // twice: the second pass reuses the workspaces
                FastAndStock.assertRelative(name + " inference", pair.fast().outputSingle(false, batch.getFeatures()),
                        pair.stock().outputSingle(false, batch.getFeatures()), 1e-4);
            }
        }
    }

    /** Counts the activation layers, asserting each is a {@link OneDnnReluLayer} on (or off) oneDNN. */
    private static int relus(ComputationGraph net, boolean onOneDnn) {
        int count = 0;
        for (Layer layer : net.getLayers()) {
            if (layer instanceof ActivationLayer) {
                count++;
                String name = layer.conf().getLayer().getLayerName();
                assertThat(layer).as(name).isInstanceOf(OneDnnReluLayer.class);
                assertThat(((OneDnnReluLayer) layer).onOneDnn()).as("%s on oneDNN", name).isEqualTo(onOneDnn);
            }
        }
        return count;
    }
}
