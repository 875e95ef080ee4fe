package dev.templatelab.storage.metrics;

/** The per-epoch metrics an experiment can optimise, each a column of {@code trial_metrics}. */
public enum Metric {
    TRAIN_LOSS(false),
    VAL_LOSS(false),
    VAL_ACCURACY(true),
    VAL_MACRO_F1(true),
    /** Mean average precision over concepts (multi-label data only). */
    VAL_MAP(true);

    private final boolean higherIsBetter;

    Metric(boolean higherIsBetter) {
        this.higherIsBetter = higherIsBetter;
    }

    /** True for accuracy, F1 and mAP, false for losses: the usual optimisation direction. */
    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    /** This metric's value in {@code epoch}, or null when it was not measured. */
    public Double of(EpochMetrics epoch) {
        return switch (this) {
            case TRAIN_LOSS -> epoch.trainLoss();
            case VAL_LOSS -> epoch.valLoss();
            case VAL_ACCURACY -> epoch.valAccuracy();
            case VAL_MACRO_F1 -> epoch.valMacroF1();
            case VAL_MAP -> epoch.valMap();
        };
    }
}
