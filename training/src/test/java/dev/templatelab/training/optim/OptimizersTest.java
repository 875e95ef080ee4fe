package dev.templatelab.training.optim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.fit.TinyProblem;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.Hyperparameters;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

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
