package dev.templatelab.training.fit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.runtime.BlockedActivations;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class PreciseBatchNormTest {

    /**
     * Bug found: evaluation used running averages that lag the weights (27 % vs 90 % with batch statistics on a
     * ResNet-50 after one epoch). Recomputed on one batch, eval mode must reproduce training mode on that batch.
     */
    @Test
    void recomputedStatisticsMakeEvalModeMatchTrainModeOnTheSameBatch() {
        TinyProblem problem = new TinyProblem(32, 5);
        ComputationGraph net = TinyProblem.network().newNetwork(3);
        for (int epoch = 0; epoch < 2; epoch++) {       // a few steps: running averages now differ from the batch's
            net.fit(problem.epoch(1, epoch, 8));
        }
        DataSet batch = problem.all();
        INDArray trainMode = net.outputSingle(true, batch.getFeatures());
        INDArray before = net.outputSingle(false, batch.getFeatures());
        assertThat(maxAbsDiff(before, trainMode)).as("stale running statistics").isGreaterThan(1e-3);

        int used = PreciseBatchNorm.recompute(net, new BatchList(List.of(batch)), 20);

        assertThat(used).isEqualTo(1);
        assertThat(maxAbsDiff(net.outputSingle(false, batch.getFeatures()), trainMode)).isLessThan(1e-4);
    }

    @Test
    void averagesOverBatchesAndZeroBatchesChangesNothing() {
        TinyProblem problem = new TinyProblem(32, 5);
        ComputationGraph net = TinyProblem.network().newNetwork(3);
        INDArray mean = net.getLayer("c1_bn").getParam("mean").dup();
        assertThat(PreciseBatchNorm.recompute(net, problem.epoch(1, 0, 8), 0)).isZero();
        assertThat(net.getLayer("c1_bn").getParam("mean")).isEqualTo(mean);

        // c1_bn's input is the first convolution: its statistics are the mean over batches of per-batch means.
        var it = problem.epoch(1, 0, 8);
        INDArray expected = null;
        for (int b = 0; b < 2; b++) {
            // held in oneDNN's blocks between the convolution and its batch norm (16 channels: one or two blocks)
            assertThat(BlockedActivations.blockedVertices(net)).contains("c1");
            INDArray conv = BlockedActivations.plain(net, "c1", net.feedForward(it.next().getFeatures(), false).get("c1"));
            INDArray m = conv.mean(0, 2, 3);
            expected = expected == null ? m : expected.add(m);
        }
        assertThat(PreciseBatchNorm.recompute(net, problem.epoch(1, 0, 8), 2)).isEqualTo(2);
        assertThat(maxAbsDiff(net.getLayer("c1_bn").getParam("mean").reshape(-1), expected.div(2).reshape(-1))).isLessThan(1e-5);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return org.nd4j.linalg.ops.transforms.Transforms.abs(a.sub(b)).maxNumber().doubleValue();
    }
}
