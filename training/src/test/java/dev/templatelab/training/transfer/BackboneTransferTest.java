package dev.templatelab.training.transfer;

import static org.assertj.core.api.Assertions.assertThat;

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
}
