package dev.templatelab.training.fit;

/** Progress inside an epoch, reported after every minibatch. */
public record BatchProgress(int epoch, int epochs, int batch, int batchesPerEpoch, double loss, double imagesPerSecond,
                            double epochSeconds) {

    /** Seconds left in this epoch at the current pace. */
    public double epochEtaSeconds() {
        return batch == 0 ? Double.NaN : epochSeconds / batch * (batchesPerEpoch - batch);
    }
}
