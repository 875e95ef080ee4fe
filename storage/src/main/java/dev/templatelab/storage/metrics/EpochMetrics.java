package dev.templatelab.storage.metrics;

/**
 * What a trial reports after one epoch (Optuna's intermediate value, with every metric). Nulls: not measured
 * ({@code valMap}, mean average precision, is measured on multi-label data only).
 */
public record EpochMetrics(int epoch, Double trainLoss, Double valLoss, Double valAccuracy, Double valMacroF1,
                           Double learningRate, Double imagesPerSecond, Double valMap) {

    /** Metrics without mAP (single-label data). */
    public EpochMetrics(int epoch, Double trainLoss, Double valLoss, Double valAccuracy, Double valMacroF1,
                        Double learningRate, Double imagesPerSecond) {
        this(epoch, trainLoss, valLoss, valAccuracy, valMacroF1, learningRate, imagesPerSecond, null);
    }

    /** Epochs count from 0. */
    public EpochMetrics {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
    }
}
