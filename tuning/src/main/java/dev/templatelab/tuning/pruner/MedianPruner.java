package dev.templatelab.tuning.pruner;

import dev.templatelab.tuning.study.Direction;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.StudyView;
import dev.templatelab.tuning.study.TrialState;
import dev.templatelab.tuning.study.TrialView;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;

/**
 * Prunes a trial whose best value so far is worse than the median of the completed trials' values at the same
 * epoch (Optuna's MedianPruner). Nothing is pruned before {@code startupTrials} trials have completed, before
 * epoch {@code warmupSteps}, or between checks every {@code intervalSteps} epochs after the warm-up.
 */
public record MedianPruner(int startupTrials, int warmupSteps, int intervalSteps) implements Pruner {

    public MedianPruner {
        if (startupTrials < 0 || warmupSteps < 0 || intervalSteps < 1) {
            throw new IllegalArgumentException("need startupTrials >= 0, warmupSteps >= 0, intervalSteps >= 1; got "
                    + startupTrials + ", " + warmupSteps + ", " + intervalSteps);
        }
    }

    /** Optuna's defaults: 5 startup trials, no warm-up, every epoch. */
    public MedianPruner() {
        this(5, 0, 1);
    }

    @Override
    public boolean prune(StudyView study, TrialView trial) {
        List<FrozenTrial> completed = study.trials(Set.of(TrialState.COMPLETE));
        if (completed.isEmpty() || completed.size() < startupTrials || trial.lastStep().isEmpty()) {
            return false;
        }
        int step = trial.lastStep().getAsInt();
        if (step < warmupSteps || !firstInInterval(step, trial.intermediateValues())) {
            return false;
        }
        Direction direction = study.direction();
        double best = bestSoFar(trial.intermediateValues(), direction);
        if (Double.isNaN(best)) {
            return true;
        }
        double[] atStep = completed.stream().map(t -> t.intermediateValues().get(step))
                .filter(v -> v != null && !Double.isNaN(v)).mapToDouble(Double::doubleValue).sorted().toArray();
        if (atStep.length == 0) {
            return false;
        }
        return direction.isBetter(median(atStep), best);
    }

    /** Whether this is the first report at or after the latest pruning step (reports may skip epochs). */
    private boolean firstInInterval(int step, SortedMap<Integer, Double> values) {
        int latestPruningStep = (step - warmupSteps) / intervalSteps * intervalSteps + warmupSteps;
        SortedMap<Integer, Double> earlier = values.headMap(step);
        int previous = earlier.isEmpty() ? -1 : earlier.lastKey();
        return previous < latestPruningStep;
    }

    static double bestSoFar(SortedMap<Integer, Double> values, Direction direction) {
        double best = Double.NaN;
        for (double v : values.values()) {
            if (direction.isBetter(v, best)) {
                best = v;
            }
        }
        return best;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
