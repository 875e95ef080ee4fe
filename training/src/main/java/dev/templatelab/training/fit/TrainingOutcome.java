package dev.templatelab.training.fit;

import java.util.List;
import java.util.Optional;

/** How training ended, the per-epoch history (only the epochs run in this call) and the best epoch. */
public record TrainingOutcome(Status status, List<EpochMetrics> history, Optional<EpochMetrics> best) {

    public enum Status {
        /** all epochs ran */
        COMPLETED,
        /** a listener (early stopping) ended it */
        STOPPED_EARLY,
        /** the tuner's pruner ended it */
        PRUNED,
        /** {@link CancellationToken#cancel()} was called; the current minibatch finished first */
        CANCELLED
    }

    public TrainingOutcome {
        history = List.copyOf(history);
    }
}
