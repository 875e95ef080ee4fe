package dev.templatelab.tuning.pruner;

import dev.templatelab.tuning.study.Direction;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.StudyView;
import dev.templatelab.tuning.study.TrialView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;

/**
 * Asynchronous successive halving (ASHA, Li et al. 2018) as Optuna runs it. Rung k is reached once a trial has
 * trained {@code r = minResource * reductionFactor^(minEarlyStoppingRate + k)} epochs, i.e. at step (0-based
 * epoch index) {@code r - 1}. Why not step {@code r}, as Optuna's code reads: Optuna leaves the meaning of a
 * step to the user, while TemplateLab's trials report 0-based epoch indices; with step {@code r} every pruned
 * trial would train one epoch more than ASHA's resource says (2 epochs instead of 1 at the first rung). When a trial reaches a rung it continues only
 * if its value there is in the top 1/reductionFactor of all trials that have reached that rung so far; the first
 * trials at a rung, too few for a top fraction, continue only if they are the best so far. Decisions are made
 * once per rung, when the trial reaches it, and never revisited (no trial waits for others).
 *
 * <p>A trial's value at a rung is its value at the first epoch it reported at or after the rung, so the state
 * lives in the stored curves and any worker can decide.
 */
public record SuccessiveHalvingPruner(int minResource, int reductionFactor, int minEarlyStoppingRate) implements Pruner {

    public SuccessiveHalvingPruner {
        if (minResource < 1 || reductionFactor < 2 || minEarlyStoppingRate < 0) {
            throw new IllegalArgumentException("need minResource >= 1, reductionFactor >= 2, minEarlyStoppingRate >= 0; got "
                    + minResource + ", " + reductionFactor + ", " + minEarlyStoppingRate);
        }
    }

    /** Optuna's defaults with minResource 1: reduction factor 4, no early-stopping-rate offset. */
    public SuccessiveHalvingPruner() {
        this(1, 4, 0);
    }

    /** The step (0-based epoch index) of rung {@code k}: the last epoch of its resource. */
    public long rungStep(int k) {
        return rungStep(minResource, reductionFactor, minEarlyStoppingRate + k);
    }

    /** The step of rung {@code k} without an offset: the last epoch of {@code minResource * reductionFactor^k}. */
    static long rungStep(int minResource, int reductionFactor, int k) {
        return minResource * Math.round(Math.pow(reductionFactor, k)) - 1;
    }

    @Override
    public boolean prune(StudyView study, TrialView trial) {
        SortedMap<Integer, Double> curve = trial.intermediateValues();
        if (curve.isEmpty()) {
            return false;
        }
        int step = curve.lastKey();
        SortedMap<Integer, Double> earlier = curve.headMap(step);
        int previous = earlier.isEmpty() ? -1 : earlier.lastKey();
        for (int k = 0; rungStep(k) <= step; k++) {
            long rung = rungStep(k);
            if (rung <= previous) {
                continue; // decided when the trial got there
            }
            double value = valueAt(curve, rung);
            if (Double.isNaN(value)) {
                return true;
            }
            if (!promotable(value, competitors(study, trial.number(), rung), study.direction())) {
                return true;
            }
        }
        return false;
    }

    /** The values at {@code rung} of every other trial that reached it. */
    private static List<Double> competitors(StudyView study, int self, long rung) {
        List<Double> values = new ArrayList<>();
        for (FrozenTrial t : study.trials()) {
            if (t.number() != self && !t.intermediateValues().isEmpty() && t.intermediateValues().lastKey() >= rung) {
                values.add(valueAt(t.intermediateValues(), rung));
            }
        }
        return values;
    }

    private static double valueAt(SortedMap<Integer, Double> curve, long rung) {
        return curve.get(curve.tailMap((int) rung).firstKey());
    }

    /** In the top 1/rf of the rung's values, this one included; with fewer than rf values, the best so far. */
    private boolean promotable(double value, List<Double> others, Direction direction) {
        double[] all = new double[others.size() + 1];
        for (int i = 0; i < others.size(); i++) {
            all[i] = others.get(i);
        }
        all[others.size()] = value;
        int promotable = Math.max(all.length / reductionFactor, 1);
        // Best first; NaN (diverged) last.
        Double[] ranked = Arrays.stream(all).boxed().sorted((a, b) -> direction.compareBestFirst(a, b)).toArray(Double[]::new);
        double threshold = ranked[promotable - 1];
        return !direction.isBetter(threshold, value);
    }
}
