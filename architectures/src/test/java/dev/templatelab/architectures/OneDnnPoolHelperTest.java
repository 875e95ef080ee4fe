package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.architectures.runtime.OneDnnPoolHelper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every max and average pool of every template runs on {@link OneDnnPoolHelper} on the fast path, also after a
 * restore from the saved configuration. That the helper computes what DL4J's built-in pooling computes is
 * {@code HelperParityTest}'s pooling kinds (values and every gradient) and every whole template there, plus
 * {@code GradientCheckTest}'s finite differences.
 */
@Tag("channel-blocks")
@ExtendWith(RestoresHelperSwitch.class)
class OneDnnPoolHelperTest {

    private static final TemplateSpec SMALL = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);

    @Test
    void everyTemplateRunsItsPoolsOnTheOneDnnHelper() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        for (Template template : TemplateRegistry.standard().list()) {
            assertThat(pools(template.build(SMALL).newNetwork(1), PoolingType.MAX)).as("%s max pools", template.name())
                    .isPositive();
        }
        for (String inception : List.of("Clarifai_InceptionBatchNorm", "Clarifai_InceptionV2",
                "Clarifai_InceptionTransferEmbedNorm")) {
            assertThat(pools(TemplateRegistry.standard().get(inception).build(SMALL).newNetwork(1), PoolingType.AVG))
                    .as("%s average pools", inception).isPositive();
        }
    }

    /** A training step runs both passes of Caffe's padded average pools (BN-Inception) on oneDNN. */
    @Test
    void averagePoolsCountingPaddingRunOnOneDnnToo() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = TemplateRegistry.standard().get("Clarifai_InceptionBatchNorm").build(SMALL).newNetwork(1);
        net.fit(Networks.randomBatch(SMALL, 4, 3, false));
        int averages = 0;
        for (Layer layer : net.getLayers()) {
            var conf = layer.conf().getLayer();
            if (conf instanceof org.deeplearning4j.nn.conf.layers.SubsamplingLayer pool
                    && pool.getPoolingType() == PoolingType.AVG && pool.isAvgPoolIncludePadInDivisor()
                    && pool.getPadding()[0] > 0) {
                OneDnnPoolHelper helper = (OneDnnPoolHelper) ((SubsamplingLayer) layer).getHelper();
                assertThat(helper.passesOnOneDnn()).as(conf.getLayerName()).isEqualTo(2);
                averages++;
            }
        }
        assertThat(averages).isPositive();
    }

    /** A training step runs both passes of every max pool on oneDNN, not on DL4J's fallback. */
    @Test
    void aTrainingStepRunsForwardAndBackwardOnOneDnn() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = TemplateRegistry.standard().get("MMClassification_ResNet_50_RSB_A1").build(SMALL)
                .newNetwork(1);
        net.fit(Networks.randomBatch(SMALL, 4, 3, false));
        OneDnnPoolHelper helper = (OneDnnPoolHelper) ((SubsamplingLayer) net.getLayer("maxpool")).getHelper();
        assertThat(helper.passesOnOneDnn()).isEqualTo(2);
    }

    @Test
    void aNetworkRestoredFromItsSavedConfigurationKeepsTheHelper() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = TemplateRegistry.standard().get("Clarifai_InceptionBatchNorm").build(SMALL)
                .newNetwork(1);
        ComputationGraph restored = Networks.restoredFromJson(net);
        assertThat(pools(restored, PoolingType.MAX)).isEqualTo(pools(net, PoolingType.MAX));
        assertThat(pools(restored, PoolingType.AVG)).isEqualTo(pools(net, PoolingType.AVG)).isPositive();
    }

    /** Counts the pooling layers of {@code type}, asserting each pooling layer runs on the helper. */
    private static int pools(ComputationGraph net, PoolingType type) {
        int count = 0;
        for (Layer layer : net.getLayers()) {
            if (layer instanceof SubsamplingLayer pool) {
                var conf = (org.deeplearning4j.nn.conf.layers.SubsamplingLayer) layer.conf().getLayer();
                assertThat(pool.getHelper()).as(conf.getLayerName()).isInstanceOf(OneDnnPoolHelper.class);
                count += conf.getPoolingType() == type ? 1 : 0;
            }
        }
        return count;
    }
}
