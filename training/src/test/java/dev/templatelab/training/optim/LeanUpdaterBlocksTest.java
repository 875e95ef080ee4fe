package dev.templatelab.training.optim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.fit.TinyProblem;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.Hyperparameters;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * {@link LeanUpdaterBlocks} changes nothing but the time: training with and without it, from the same weights
 * on the same batches, with weight decay on the weights (so some blocks regularise and some do not), ends in
 * the same parameters and updater state to the bit.
 */
class LeanUpdaterBlocksTest {

    private static final int BATCH = 8;

    private static ComputationGraph network() {
        Hyperparameters hp = HyperparameterSchema.resolve(TemplateRegistry.standard().get("Clarifai_InceptionV2"),
                Map.of("num_epochs", "2", "lrate", "0.05", "lr_schedule", "cosine", "updater", "nesterovs",
                        "weight_decay", "0.01"));
        TemplateGraph graph = Optimizers.forTraining(TinyProblem.network(), hp, 6);
        return graph.newNetwork(11);
    }

    @Test
    void trainsToTheSameParametersAndUpdaterStateToTheBit() {
        TinyProblem problem = new TinyProblem(48, 3);
        ComputationGraph dl4j = network();
        ComputationGraph lean = network();
        assertThat(lean.params()).isEqualTo(dl4j.params());
        int blocks = LeanUpdaterBlocks.install(lean);
        assertThat(blocks).isEqualTo(lean.getUpdater().getUpdaterBlocks().size()).isGreaterThan(3);
        for (int epoch = 0; epoch < 2; epoch++) {
            for (ComputationGraph net : new ComputationGraph[] {dl4j, lean}) {
                DataSetIterator batches = problem.epoch(5, epoch, BATCH);
                while (batches.hasNext()) {
                    DataSet batch = batches.next();
                    net.fit(batch);
                }
            }
        }
        assertThat(lean.params()).isEqualTo(dl4j.params());
        assertThat(lean.getUpdater().getStateViewArray()).isEqualTo(dl4j.getUpdater().getStateViewArray());
        assertThat(lean.params().sub(network().params()).amaxNumber().doubleValue()).as("it trained").isPositive();
    }

    @Test
    void replacesEveryBlockOnceAndKeepsTheUpdaterState() {
        ComputationGraph net = network();
        var state = net.getUpdater().getStateViewArray();
        LeanUpdaterBlocks.install(net);
        assertThat(LeanUpdaterBlocks.install(net)).as("second install").isZero();
        for (UpdaterBlock block : net.getUpdater().getUpdaterBlocks()) {
            assertThat(block).isInstanceOf(LeanUpdaterBlocks.Lean.class);
        }
        assertThat(net.getUpdater().getStateViewArray()).isSameAs(state);
    }
}
