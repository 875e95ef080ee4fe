package dev.templatelab.architectures.resnet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.TemplateSpec;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bug found: the RSB template (mmcls ResNet, zero_init_residual=True by default, as timm's zero_init_last in the
 * RSB paper) started every residual branch's last batch norm at gamma 1 instead of 0.
 */
class ZeroInitResidualTest {

    private static final TemplateSpec SPEC = new TemplateSpec(3, 32, 32, 3, 0.0625, 8, 16.0, HeadActivation.SOFTMAX);

    @Test
    void rsbStartsEachResidualBranchAtZeroAndLearnsIt() {
        ComputationGraph net = ResNetTemplate.rsbA1().build(SPEC).newNetwork(1);
        for (String bn : new String[] {"layer1_0_bn3", "layer2_3_bn3", "layer4_2_bn3"}) {
            assertThat(net.getLayer(bn).getParam("gamma").sumNumber().doubleValue()).as(bn).isZero();
        }
        // Only the branch ends: the stem, inner and shortcut batch norms start at 1.
        assertThat(net.getLayer("bn1").getParam("gamma").minNumber().doubleValue()).isEqualTo(1.0);
        assertThat(net.getLayer("layer1_0_bn2").getParam("gamma").minNumber().doubleValue()).isEqualTo(1.0);
        assertThat(net.getLayer("layer1_0_downsample_1").getParam("gamma").minNumber().doubleValue()).isEqualTo(1.0);

        var x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
        var y = Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(DataType.FLOAT);
        net.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
        assertThat(net.getLayer("layer4_2_bn3").getParam("gamma").norm2Number().doubleValue()).isPositive();
    }

    @Test
    void resNextKeepsTorchvisionsDefault() {
        ComputationGraph net = ResNetTemplate.resNext().build(SPEC).newNetwork(1);
        assertThat(net.getLayer("layer1_0_bn3").getParam("gamma").minNumber().doubleValue()).isEqualTo(1.0);
    }
}
