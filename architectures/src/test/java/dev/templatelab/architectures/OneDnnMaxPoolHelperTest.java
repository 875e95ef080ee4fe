package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.architectures.runtime.OneDnnMaxPoolHelper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every max pool of every template runs on {@link OneDnnMaxPoolHelper} on the fast path, also after a restore
 * from the saved configuration; average pools keep DL4J's helper. That the helper computes what DL4J's
 * built-in pooling computes is {@code HelperParityTest}'s max-pool kinds (values and every gradient) and every
 * whole template there, plus {@code GradientCheckTest}'s finite differences.
 */
@ExtendWith(RestoresHelperSwitch.class)
class OneDnnMaxPoolHelperTest {

    private static final TemplateSpec SMALL = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);

    @Test
    void everyTemplateRunsItsMaxPoolsOnTheOneDnnHelper() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        for (Template template : TemplateRegistry.standard().list()) {
            assertThat(maxPools(template.build(SMALL).newNetwork(1))).as("%s max pools", template.name()).isPositive();
        }
    }

    /** A training step runs both passes of every max pool on oneDNN, not on DL4J's fallback. */
    @Test
    void aTrainingStepRunsForwardAndBackwardOnOneDnn() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = TemplateRegistry.standard().get("MMClassification_ResNet_50_RSB_A1").build(SMALL)
                .newNetwork(1);
        net.fit(Networks.randomBatch(SMALL, 4, 3, false));
        OneDnnMaxPoolHelper helper = (OneDnnMaxPoolHelper) ((SubsamplingLayer) net.getLayer("maxpool")).getHelper();
        assertThat(helper.passesOnOneDnn()).isEqualTo(2);
    }

    @Test
    void aNetworkRestoredFromItsSavedConfigurationKeepsTheHelper() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = TemplateRegistry.standard().get("Clarifai_InceptionBatchNorm").build(SMALL)
                .newNetwork(1);
        ComputationGraph restored = Networks.restoredFromJson(net);
        assertThat(maxPools(restored)).isEqualTo(maxPools(net));
    }

    /** Counts the max-pool layers, asserting each runs on the helper and no average pool does. */
    private static int maxPools(ComputationGraph net) {
        int count = 0;
        for (Layer layer : net.getLayers()) {
            if (layer instanceof SubsamplingLayer pool) {
                var conf = (org.deeplearning4j.nn.conf.layers.SubsamplingLayer) layer.conf().getLayer();
                boolean max = conf.getPoolingType() == PoolingType.MAX;
                assertThat(pool.getHelper() instanceof OneDnnMaxPoolHelper).as(conf.getLayerName()).isEqualTo(max);
                count += max ? 1 : 0;
            }
        }
        return count;
    }
}
