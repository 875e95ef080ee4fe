package dev.templatelab.tuning.study;

import dev.templatelab.tuning.space.Distribution;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Trials in a list, guarded by one lock: enough for a local worker pool. */
public final class InMemoryStudyStorage implements StudyStorage {

    private final List<FrozenTrial> trials = new ArrayList<>();

    @Override
    public synchronized int createTrial(String template, Map<String, Object> params,
                                        Map<String, Distribution> distributions, Instant started) {
        int number = trials.size();
        trials.add(new FrozenTrial(number, TrialState.RUNNING, template, params, distributions, null, new TreeMap<>(),
                started, null));
        return number;
    }

    @Override
    public synchronized boolean reportIntermediate(int number, int step, double value) {
        FrozenTrial t = running(number, "report to");
        if (t.intermediateValues().containsKey(step)) {
            return false;
        }
        TreeMap<Integer, Double> values = new TreeMap<>(t.intermediateValues());
        values.put(step, value);
        trials.set(number, new FrozenTrial(number, t.state(), t.template(), t.params(), t.distributions(), t.value(),
                values, t.started(), t.finished()));
        return true;
    }

    @Override
    public synchronized void finishTrial(int number, TrialState state, Double value, Instant finished) {
        if (!state.isFinished()) {
            throw new IllegalArgumentException("a trial is finished as COMPLETE, PRUNED, FAIL or CANCELLED, not " + state);
        }
        FrozenTrial t = running(number, "finish");
        trials.set(number, new FrozenTrial(number, state, t.template(), t.params(), t.distributions(), value,
                t.intermediateValues(), t.started(), finished));
    }

    @Override
    public synchronized FrozenTrial trial(int number) {
        if (number < 0 || number >= trials.size()) {
            throw new IllegalArgumentException("no trial " + number + " (trials 0.." + (trials.size() - 1) + ")");
        }
        return trials.get(number);
    }

    @Override
    public synchronized List<FrozenTrial> trials() {
        return List.copyOf(trials);
    }

    private FrozenTrial running(int number, String what) {
        FrozenTrial t = trial(number);
        if (t.state().isFinished()) {
            throw new IllegalStateException("cannot " + what + " trial " + number + ": it is already " + t.state());
        }
        return t;
    }
}
