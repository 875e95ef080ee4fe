package dev.templatelab.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.fit.TinyProblem;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.Hyperparameters;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/** The optimiser Optimizers attaches trains what it should and leaves a frozen backbone exactly where it was. */
class OptimizersTest {

    @Test
    void aBackboneMultiplierOfZeroFreezesTheBackboneWhileTheHeadTrains() {
        TemplateGraph template = TinyProblem.network();
        assertThat(template.backboneLayers()).contains("c1", "c1_bn", "c2", "c2_bn");
        ComputationGraph net = Optimizers.forTraining(template, hp("0"), 6).newNetwork(3);
        Map<String, INDArray> before = copy(net.paramTable());
        train(net);

        for (String backbone : new String[] {"c1_W", "c1_bn_gamma", "c1_bn_beta", "c2_W", "c2_bn_gamma", "c2_bn_beta"}) {
            assertThat(net.getParam(backbone)).as(backbone).isEqualTo(before.get(backbone));
        }
        // PyTorch's frozen parameters in training mode: the batch norms' running statistics still follow the data
        assertThat(net.getParam("c1_bn_mean")).as("running mean").isNotEqualTo(before.get("c1_bn_mean"));
        assertThat(net.getParam(TemplateGraph.OUTPUT + "_W")).as("the head trains")
                .isNotEqualTo(before.get(TemplateGraph.OUTPUT + "_W"));
    }

    @Test
    void aSmallMultiplierMovesTheBackboneLessThanTheHead() {
        ComputationGraph full = Optimizers.forTraining(TinyProblem.network(), hp("1"), 6).newNetwork(3);
        ComputationGraph slow = Optimizers.forTraining(TinyProblem.network(), hp("0.01"), 6).newNetwork(3);
        Map<String, INDArray> before = copy(full.paramTable());
        train(full);
        train(slow);
        double fullMove = full.getParam("c1_W").sub(before.get("c1_W")).norm2Number().doubleValue();
        double slowMove = slow.getParam("c1_W").sub(before.get("c1_W")).norm2Number().doubleValue();
        assertThat(slowMove).isPositive().isLessThan(fullMove / 10);
    }

    /**
     * frozen_blocks=2 on ResNeXt: the stem and layer1 stay exactly as initialised (weights, biases, batch-norm scale
     * and shift) while layer2 onwards and the head train.
     */
    @Test
    void frozenBlocksKeepTheFirstBlocksAsTheyWereWhileTheRestTrains() {
        Template resNext = TemplateRegistry.standard().get("Clarifai_ResNext");
        TemplateGraph graph = resNext.build(new TemplateSpec(2, 64, 64, 3, 0.25, 16, 16.0, HeadActivation.SOFTMAX));
        Map<String, String> values = new HashMap<>(Map.of("num_epochs", "1", "lrate", "0.05", "frozen_blocks", "2"));
        ComputationGraph net = Optimizers.forTraining(graph, HyperparameterSchema.resolve(resNext, values), 1)
                .newNetwork(3);
        Map<String, INDArray> before = copy(net.paramTable());
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 64, 64);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 2);
        y.putScalar(0, 0, 1).putScalar(1, 1, 1).putScalar(2, 0, 1).putScalar(3, 1, 1);
        for (int step = 0; step < 3; step++) {
            net.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
        }
        Set<String> frozen = graph.layersOfFirstBlocks(2);
        Set<String> layer2 = new HashSet<>(graph.layersOfFirstBlocks(3));
        layer2.removeAll(frozen);
        assertThat(frozen).contains("conv1", "layer1_0_conv1").noneMatch(l -> l.startsWith("layer2"));
        int moved = 0;
        for (String param : before.keySet()) {
            String layer = param.substring(0, param.lastIndexOf('_'));
            String key = param.substring(param.lastIndexOf('_') + 1);
            if (!List.of("W", "b", "gamma", "beta").contains(key)) {
                continue;   // batch-norm running statistics follow the data, frozen or not
            }
            boolean same = net.getParam(param).equals(before.get(param));
            if (frozen.contains(layer)) {
                assertThat(same).as(param + " is in a frozen block").isTrue();
            } else if (layer2.contains(layer) || layer.equals(TemplateGraph.OUTPUT)) {
                moved += same ? 0 : 1;
            }
        }
        assertThat(moved).as("parameters of layer2 and the head that trained").isGreaterThan(layer2.size());
        assertThatThrownBy(() -> HyperparameterSchema.resolve(resNext, Map.of("frozen_blocks", "6")))
                .hasMessageContaining("frozen_blocks").hasMessageContaining("5");
    }

    /**
     * head_dropout drops features of the head's input while training only: two training passes differ, inference is
     * the same every time. It replaces a template's own dropout (Inception-v2's keep 0.8) and 0 leaves that alone.
     */
    @Test
    void headDropoutActsOnTheHeadsInputInTrainingOnly() {
        TemplateGraph dropped = HeadDropout.apply(TinyProblem.network(), 0.5);
        assertThat(((BaseLayer) ((LayerVertex) dropped.configuration().getVertices().get(TemplateGraph.OUTPUT))
                .getLayerConf().getLayer()).getIDropout()).isEqualTo(new Dropout(0.5));
        ComputationGraph net = dropped.newNetwork(3);
        ComputationGraph plain = TinyProblem.network().newNetwork(3);
        org.nd4j.linalg.dataset.api.DataSet batch = new TinyProblem(8, 3).epoch(5, 0, 8).next();
        // A training pass (the loss fit() minimises) draws a new mask each time; without dropout it repeats.
        assertThat(trainingLoss(net, batch)).as("training passes drop different features")
                .isNotEqualTo(trainingLoss(net, batch));
        assertThat(trainingLoss(plain, batch)).isEqualTo(trainingLoss(plain, batch));
        INDArray x = batch.getFeatures();
        assertThat(net.outputSingle(false, x)).as("inference sees every feature").isEqualTo(plain.outputSingle(false, x));

        Template v2 = TemplateRegistry.standard().get("Clarifai_InceptionV2");
        TemplateGraph own = v2.build(new TemplateSpec(2, 64, 64, 3, 0.25, 16, 16.0, HeadActivation.SOFTMAX));
        assertThat(HeadDropout.apply(own, 0)).isSameAs(own);
        assertThat(dropoutOf(own)).isEqualTo(new Dropout(0.8));
        assertThat(dropoutOf(HeadDropout.apply(own, 0.3))).isEqualTo(new Dropout(0.7));
    }

    private static double trainingLoss(ComputationGraph net, org.nd4j.linalg.dataset.api.DataSet batch) {
        net.setInputs(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        return net.score();
    }

    private static Object dropoutOf(TemplateGraph graph) {
        return ((BaseLayer) ((LayerVertex) graph.configuration().getVertices().get(graph.headVertices().get(0)))
                .getLayerConf().getLayer()).getIDropout();
    }

    private static Hyperparameters hp(String baseGradientMultiplier) {
        Map<String, String> values = new HashMap<>(Map.of("num_epochs", "1", "lrate", "0.05", "updater", "nesterovs",
                "weight_decay", "0.01", "base_gradient_multiplier", baseGradientMultiplier));
        return HyperparameterSchema.resolve(TemplateRegistry.standard().get("Clarifai_InceptionV2"), values);
    }

    private static void train(ComputationGraph net) {
        DataSetIterator batches = new TinyProblem(48, 3).epoch(5, 0, 8);
        while (batches.hasNext()) {
            net.fit(batches.next());
        }
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> params) {
        Map<String, INDArray> copy = new HashMap<>();
        params.forEach((name, value) -> copy.put(name, value.dup()));
        return copy;
    }
}
