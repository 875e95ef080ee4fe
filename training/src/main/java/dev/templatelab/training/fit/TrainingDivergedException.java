package dev.templatelab.training.fit;

import java.util.Locale;

/**
 * The training loss became NaN or infinite: the weights are ruined and every later step stays non-finite, so
 * training stops at once instead of running the remaining epochs on garbage. Retrying with the same
 * hyperparameters and seed diverges again; the fix is a smaller learning rate (or gradient clipping).
 */
public final class TrainingDivergedException extends RuntimeException {

    private final int epoch;
    private final int batch;
    private final double loss;

    /**
     * @param epoch 0-based epoch index
     * @param batch 1-based minibatch number within the epoch
     * @param loss  the non-finite loss
     */
    public TrainingDivergedException(int epoch, int batch, int batchesPerEpoch, double loss) {
        this("the loss became " + (Double.isNaN(loss) ? "NaN" : loss > 0 ? "+Infinity" : "-Infinity"), epoch, batch,
                batchesPerEpoch, loss);
    }

    /** The weights (not the loss) stopped being finite; found after {@code batch}, the epoch's last minibatch. */
    public static TrainingDivergedException weights(int epoch, int batch, int batchesPerEpoch) {
        return new TrainingDivergedException("the weights became NaN or infinite", epoch, batch, batchesPerEpoch, Double.NaN);
    }

    private TrainingDivergedException(String what, int epoch, int batch, int batchesPerEpoch, double loss) {
        super(String.format(Locale.ROOT, "training diverged: %s at epoch %d, batch %d of %d; learning rate too high? "
                + "Lower lrate / per_item_lrate", what, epoch + 1, batch, batchesPerEpoch));
        this.epoch = epoch;
        this.batch = batch;
        this.loss = loss;
    }

    /** The 0-based epoch in which the loss stopped being finite. */
    public int epoch() {
        return epoch;
    }

    /** The 1-based minibatch of that epoch. */
    public int batch() {
        return batch;
    }

    /** The non-finite loss (NaN or an infinity); NaN when the weights, not the loss, went bad. */
    public double loss() {
        return loss;
    }
}
