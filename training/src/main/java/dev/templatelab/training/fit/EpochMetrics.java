package dev.templatelab.training.fit;

/**
 * What one epoch produced. Validation fields are NaN when there is no validation set.
 *
 * @param epoch              0-based epoch index
 * @param trainLoss          mean minibatch loss over the epoch
 * @param validationLoss     mean loss on the validation set
 * @param validationAccuracy top-1 accuracy on the validation set (subset accuracy for multi-label)
 * @param validationMacroF1  macro-averaged F1 on the validation set
 * @param learningRate       learning rate at the end of the epoch (head layers)
 * @param imagesPerSecond    training throughput of the epoch, data loading included
 * @param seconds            wall time of the epoch, validation included
 * @param validationMap      mean average precision over concepts on the validation set; NaN for single-label data
 */
public record EpochMetrics(int epoch, double trainLoss, double validationLoss, double validationAccuracy,
                           double validationMacroF1, double learningRate, double imagesPerSecond, double seconds,
                           double validationMap) {

    /** Metrics without mAP (single-label data, or no validation set). */
    public EpochMetrics(int epoch, double trainLoss, double validationLoss, double validationAccuracy,
                        double validationMacroF1, double learningRate, double imagesPerSecond, double seconds) {
        this(epoch, trainLoss, validationLoss, validationAccuracy, validationMacroF1, learningRate, imagesPerSecond,
                seconds, Double.NaN);
    }
}
