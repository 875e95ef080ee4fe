package dev.templatelab.tuning.testing;

import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.StudyStorage;
import dev.templatelab.tuning.study.TrialState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An in-memory storage whose trials a test can move between RUNNING and HELD, as the database storage does when a
 * worker pauses a trial at an ASHA rung and another promotes it.
 */
public final class HoldingStudyStorage implements StudyStorage {

    private final List<FrozenTrial> trials = new ArrayList<>();

    @Override
    public synchronized int createTrial(String template, Map<String, Object> params,
                                        Map<String, Distribution> distributions, Instant started) {
        trials.add(new FrozenTrial(trials.size(), TrialState.RUNNING, template, params, distributions, null,
                new TreeMap<>(), started, null));
        return trials.size() - 1;
    }

    @Override
    public synchronized boolean reportIntermediate(int number, int step, double value) {
        FrozenTrial t = trials.get(number);
        TreeMap<Integer, Double> values = new TreeMap<>(t.intermediateValues());
        if (values.putIfAbsent(step, value) != null) {
            return false;
        }
        trials.set(number, with(t, t.state(), t.value(), values, t.finished()));
        return true;
    }

    @Override
    public synchronized void finishTrial(int number, TrialState state, Double value, Instant finished) {
        FrozenTrial t = trials.get(number);
        trials.set(number, with(t, state, value, t.intermediateValues(), finished));
    }

    /** Pauses (HELD) or resumes (RUNNING) trial {@code number}. */
    public synchronized void move(int number, TrialState state) {
        FrozenTrial t = trials.get(number);
        trials.set(number, with(t, state, t.value(), t.intermediateValues(), t.finished()));
    }

    @Override
    public synchronized FrozenTrial trial(int number) {
        return trials.get(number);
    }

    @Override
    public synchronized List<FrozenTrial> trials() {
        return List.copyOf(trials);
    }

    private static FrozenTrial with(FrozenTrial t, TrialState state, Double value, java.util.SortedMap<Integer, Double> values,
                                    Instant finished) {
        return new FrozenTrial(t.number(), state, t.template(), t.params(), t.distributions(), value, values, t.started(),
                finished);
    }
}
