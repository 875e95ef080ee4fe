package dev.templatelab.training.fit;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The loss of the data alone. DL4J's {@code score} adds the regularisation penalty (weight decay: 0.5 x coeff x
 * sum of squared weights, summed over the whole network) to the loss even at test time; with RSB's weight decay
 * that term was ~68 next to a cross-entropy of ~1, so validation and training losses were mostly the penalty.
 * Losses reported here (per epoch, to the tuner, in checkpoints) are the data term only.
 */
public final class DataLoss {

    private DataLoss() {
    }

    /** Mean loss of {@code batch} at test time, without the regularisation penalty. */
    public static double of(ComputationGraph net, DataSet batch) {
        return net.score(batch, false) - net.calcRegularizationScore(true);
    }

    /** Loss of the minibatch {@code net} was last fitted on, less the penalty of the just-updated weights (one step apart). */
    public static double lastMinibatch(ComputationGraph net) {
        return net.score() - net.calcRegularizationScore(true);
    }
}
