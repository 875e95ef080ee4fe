package dev.templatelab.training.fit;

/**
 * Hooks on the fit loop (DJL's TrainingListener): progress, metric reporting, checkpointing, early
 * stopping and the tuner's prune decision are all listeners, so the loop itself stays short.
 */
public interface TrainingListener {

    default void onStart(TrainingContext context) {
    }

    default void onBatch(TrainingContext context, BatchProgress progress) {
    }

    /** After validation of each epoch; returning STOP or PRUNE ends training after this epoch. */
    default Decision onEpoch(TrainingContext context, EpochMetrics metrics) {
        return Decision.CONTINUE;
    }

    default void onEnd(TrainingContext context, TrainingOutcome outcome) {
    }
}
