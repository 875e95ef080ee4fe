package dev.templatelab.tuning.pruner;

import dev.templatelab.tuning.study.Direction;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.StudyView;
import dev.templatelab.tuning.study.TrialState;
import dev.templatelab.tuning.study.TrialView;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.function.Predicate;

/**
 * Asynchronous successive halving with promotions (ASHA, Li et al. 2018, Algorithm 2). Rungs are those of
 * {@link SuccessiveHalvingPruner}: rung k after {@code minResource * reductionFactor^k} epochs. A trial reaching a
 * rung runs on only if it is among the best {@code floor(n / reductionFactor)} of the n trials that have reached
 * that rung so far; otherwise it is HELD there with its checkpoint. Whenever a worker is free, a held trial that
 * has since become one of the best of its rung (because more trials arrived below it) is promoted and resumes,
 * the highest rung first, before any new trial starts. Trials still held when the search ends are pruned. Once no
 * new trial may start, the study also runs on the best held trials ({@link #bestHeld}; see {@code Study.promotion}):
 * with an epoch budget, to spend what is left of it; without one, if no trial completed, so one trains to the end.
 *
 * <p>Why promotions rather than Optuna's decide-on-arrival: a rung is judged with every trial that has reached
 * it, not just the ones that happened to come first. Optuna's version lets the first trials at a rung run on
 * whenever they beat the few before them, so early trials train to the end regardless of quality, and a later
 * trial is stopped for good by a comparison it can never revisit.
 */
public record AshaPruner(int minResource, int reductionFactor) implements PromotingPruner {

    public AshaPruner {
        if (minResource < 1 || reductionFactor < 2) {
            throw new IllegalArgumentException("need minResource >= 1 and reductionFactor >= 2; got " + minResource + ", "
                    + reductionFactor);
        }
    }

    /** The step (0-based epoch index) of rung {@code k}: the last epoch of its resource. */
    public long rungStep(int k) {
        return SuccessiveHalvingPruner.rungStep(minResource, reductionFactor, k);
    }

    /** Only a trial whose objective became NaN at a rung is stopped for good; the others are held or run on. */
    @Override
    public boolean prune(StudyView study, TrialView trial) {
        int rung = rungJustReached(trial);
        return rung >= 0 && Double.isNaN(trial.intermediateValues().get((int) rungStep(rung)));
    }

    @Override
    public boolean hold(StudyView study, TrialView trial) {
        int rung = rungJustReached(trial);
        if (rung < 0) {
            return false;
        }
        return best(study.trials(), rung, study.direction()).stream().noneMatch(t -> t.number() == trial.number());
    }

    @Override
    public OptionalInt promotable(StudyView study, Predicate<FrozenTrial> fits) {
        return firstHeld(study, fits, true);
    }

    @Override
    public OptionalInt bestHeld(StudyView study, Predicate<FrozenTrial> fits) {
        return firstHeld(study, fits, false);
    }

    /** The best held trial that fits, the highest rung first; among the best of its rung only if {@code topOnly}. */
    private OptionalInt firstHeld(StudyView study, Predicate<FrozenTrial> fits, boolean topOnly) {
        List<FrozenTrial> trials = study.trials();
        for (int k = topRung(trials); k >= 0; k--) {
            for (FrozenTrial t : topOnly ? best(trials, k, study.direction()) : ranked(trials, k, study.direction())) {
                if (heldAt(t, k) && fits.test(t)) {
                    return OptionalInt.of(t.number());
                }
            }
        }
        return OptionalInt.empty();
    }

    /** The highest rung any trial has reached (0 if none has). */
    private int topRung(List<FrozenTrial> trials) {
        int top = 0;
        while (reachedBySome(trials, rungStep(top + 1))) {
            top++;
        }
        return top;
    }

    /** Whether {@code t} is HELD at rung {@code k}. */
    private boolean heldAt(FrozenTrial t, int k) {
        return t.state() == TrialState.HELD && t.lastStep().orElse(-1) == rungStep(k);
    }

    /** The rung whose last epoch the trial just reported, or -1. */
    private int rungJustReached(TrialView trial) {
        SortedMap<Integer, Double> curve = trial.intermediateValues();
        if (curve.isEmpty()) {
            return -1;
        }
        int step = curve.lastKey();
        for (int k = 0; rungStep(k) <= step; k++) {
            if (rungStep(k) == step) {
                return k;
            }
        }
        return -1;
    }

    /** The best floor(n / reductionFactor) of the n trials that reached rung {@code k} (FAIL excluded), best first. */
    private List<FrozenTrial> best(List<FrozenTrial> trials, int k, Direction direction) {
        List<FrozenTrial> reached = ranked(trials, k, direction);
        return reached.subList(0, reached.size() / reductionFactor);
    }

    /** Every trial that reached rung {@code k} (FAIL excluded), best first by its value there. */
    private List<FrozenTrial> ranked(List<FrozenTrial> trials, int k, Direction direction) {
        long step = rungStep(k);
        return trials.stream()
                .filter(t -> t.state() != TrialState.FAIL && reached(t, step))
                .sorted(Comparator.<FrozenTrial, Double>comparing(t -> t.intermediateValues().get((int) step),
                        direction::compareBestFirst).thenComparingInt(FrozenTrial::number))
                .toList();
    }

    private static boolean reachedBySome(List<FrozenTrial> trials, long step) {
        return trials.stream().anyMatch(t -> reached(t, step));
    }

    private static boolean reached(FrozenTrial t, long step) {
        return t.intermediateValues().containsKey((int) step);
    }
}
