package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.Frozen;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * Parameters that must not move do not move while the rest trains: a scale-free batch norm's gamma (TF-slim's
 * {@code scale=False}, Inception-v2) and a layer given the {@link Frozen} updater. DL4J's NoOp updater, which these
 * used before, trained them on the raw gradient at a learning rate of 1 (gamma went from 1 to -3.5 in five steps).
 */
@ExtendWith(RestoresHelperSwitch.class)
class FrozenParametersTest {

    private static final TemplateSpec INPUT = new TemplateSpec(3, 32, 32, 3, 1.0, 8, 16.0, HeadActivation.SOFTMAX);

    @ParameterizedTest(name = "ReLU in the batch norm: {0}, helpers on: {1}")
    @CsvSource({"true, true", "true, false", "false, true", "false, false"})
    void aScaleFreeBatchNormKeepsItsScaleAtOneWhileItsShiftAndStatisticsMove(boolean relu, boolean helpers) {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, String.valueOf(!helpers));
        GraphCursor x = GraphCursor.start(INPUT, Padding.EXPLICIT, BatchNormStyle.TF_SLIM_INCEPTION)
                .conv("conv", 8, 3, 1, 1, false);
        x = relu ? x.batchNormRelu("bn") : x.batchNorm("bn").relu("bn_relu");
        x.globalAvgPool("pool").denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0);
        ComputationGraph net = Networks.withUpdater(x.build("pool", List.of(TemplateGraph.OUTPUT)),
                new Nesterovs(0.1, 0.9), 5);
        INDArray convBefore = net.getParam("conv_W").dup();
        train(net, 5);

        assertThat(net.getParam("bn_gamma").minNumber().doubleValue()).as("gamma min").isEqualTo(1.0);
        assertThat(net.getParam("bn_gamma").maxNumber().doubleValue()).as("gamma max").isEqualTo(1.0);
        assertThat(net.getParam("bn_beta").amaxNumber().doubleValue()).as("beta trains").isPositive();
        assertThat(net.getParam("bn_mean").amaxNumber().doubleValue()).as("running mean moves").isPositive();
        assertThat(net.getParam("conv_W")).as("the convolution trains").isNotEqualTo(convBefore);
    }

    @Test
    void aLayerWithTheFrozenUpdaterKeepsItsParametersWhileTheOthersTrain() {
        ComputationGraph net = Networks.withUpdater(GraphCursor.start(INPUT, Padding.EXPLICIT, BatchNormStyle.PYTORCH)
                .convBnRelu("conv", 8, 3, 1, 1, false).globalAvgPool("pool")
                .denseClassifier(INPUT.numClasses(), INPUT.head(), 1.0).build("pool", List.of(TemplateGraph.OUTPUT)),
                new Nesterovs(0.1, 0.9), 5);
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        for (String frozen : List.of("conv", "conv_bn")) {
            ((BaseLayer) ((LayerVertex) conf.getVertices().get(frozen)).getLayerConf().getLayer()).setIUpdater(new Frozen());
        }
        // as a checkpoint stores it: the configuration's JSON, read back
        ComputationGraph frozen = new ComputationGraph(ComputationGraphConfiguration.fromJson(conf.toJson()));
        frozen.init(net.params().dup(), false);
        INDArray convBefore = frozen.getParam("conv_W").dup();
        INDArray gammaBefore = frozen.getParam("conv_bn_gamma").dup();
        INDArray betaBefore = frozen.getParam("conv_bn_beta").dup();
        INDArray headBefore = frozen.getParam(TemplateGraph.OUTPUT + "_W").dup();
        train(frozen, 5);

        assertThat(frozen.getParam("conv_W")).isEqualTo(convBefore);
        assertThat(frozen.getParam("conv_bn_gamma")).isEqualTo(gammaBefore);
        assertThat(frozen.getParam("conv_bn_beta")).isEqualTo(betaBefore);
        assertThat(frozen.getParam("conv_bn_mean").amaxNumber().doubleValue()).as("running mean still moves").isPositive();
        assertThat(frozen.getParam(TemplateGraph.OUTPUT + "_W")).as("the head trains").isNotEqualTo(headBefore);
    }

    private static void train(ComputationGraph net, int steps) {
        for (int i = 0; i < steps; i++) {
            DataSet batch = Networks.randomBatch(INPUT, 8, 11 + i, false);
            net.fit(batch);
        }
    }
}
