package dev.templatelab.training.fit;

import java.util.function.ToDoubleFunction;

/**
 * The tuner's hook (Optuna's {@code trial.report} + {@code should_prune}): after each epoch the objective is
 * reported, and the trial is pruned when the pruner says so.
 */
public final class IntermediateReporter implements TrainingListener {

    /** Receives (epoch, objective value) and answers whether to prune. */
    @FunctionalInterface
    public interface Sink {
        boolean reportAndCheckPrune(int epoch, double value);
    }

    private final ToDoubleFunction<EpochMetrics> objective;
    private final Sink sink;

    public IntermediateReporter(ToDoubleFunction<EpochMetrics> objective, Sink sink) {
        this.objective = objective;
        this.sink = sink;
    }

    @Override
    public Decision onEpoch(TrainingContext context, EpochMetrics metrics) {
        return sink.reportAndCheckPrune(metrics.epoch(), objective.applyAsDouble(metrics)) ? Decision.PRUNE : Decision.CONTINUE;
    }
}
