package dev.templatelab.training.fit;

import java.util.Arrays;

/**
 * Which validation metric picks a run's best epoch: the one whose checkpoint is kept, the one early stopping waits
 * to be beaten, and, in tuning, the epoch a trial's objective is read at. Hyperparameter {@code checkpoint_metric};
 * tuning sets it to the experiment's objective, so a search on macro-F1 hands over the macro-F1 best checkpoint.
 * Ties go to the lower validation loss (higher accuracy for {@link #LOSS}); an epoch with the score beats one
 * without it (no validation set, a NaN loss); between two without, the lower training loss wins.
 */
public enum BestEpoch {
    ACCURACY("accuracy"),
    MACRO_F1("macro_f1"),
    MAP("map"),
    LOSS("loss");

    private final String id;

    BestEpoch(String id) {
        this.id = id;
    }

    /** The hyperparameter value ({@code accuracy}, {@code macro_f1}, {@code map}, {@code loss}). */
    public String id() {
        return id;
    }

    public static BestEpoch of(String id) {
        return Arrays.stream(values()).filter(b -> b.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("checkpoint_metric must be one of "
                        + Arrays.stream(values()).map(BestEpoch::id).toList() + ", got '" + id + "'"));
    }

    /** Whether {@code candidate} is a better epoch than {@code incumbent}. */
    public boolean isBetter(EpochMetrics candidate, EpochMetrics incumbent) {
        double c = score(candidate);
        double i = score(incumbent);
        if (Double.isNaN(c) != Double.isNaN(i)) {
            return Double.isNaN(i);   // a measured epoch beats one whose score is missing
        }
        if (Double.isNaN(c)) {
            return candidate.trainLoss() < incumbent.trainLoss();
        }
        if (c != i) {
            return this == LOSS ? c < i : c > i;
        }
        return this == LOSS ? candidate.validationAccuracy() > incumbent.validationAccuracy()
                : candidate.validationLoss() < incumbent.validationLoss();
    }

    /** The epoch's value of this metric (NaN where it was not measured: no validation set, mAP on single-label data). */
    public double score(EpochMetrics m) {
        return switch (this) {
            case ACCURACY -> m.validationAccuracy();
            case MACRO_F1 -> m.validationMacroF1();
            case MAP -> m.validationMap();
            case LOSS -> m.validationLoss();
        };
    }

    /** {@code checkpoint_metric=map} on single-label data, where mean average precision is not measured. */
    public static final class NotMeasuredException extends IllegalArgumentException {
        public NotMeasuredException(String message) {
            super(message);
        }
    }
}
