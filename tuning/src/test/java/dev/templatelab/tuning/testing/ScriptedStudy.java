package dev.templatelab.tuning.testing;

import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.study.Direction;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.StudyView;
import dev.templatelab.tuning.study.TrialState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A study whose trials and curves a test writes by hand, for pruner decisions. */
public final class ScriptedStudy implements StudyView {

    private final String name;
    private final Direction direction;
    private final List<FrozenTrial> trials = new ArrayList<>();

    public ScriptedStudy(String name, Direction direction) {
        this.name = name;
        this.direction = direction;
    }

    /** Adds a trial with the given state and curve (value at epoch 0, 1, 2, ...); returns it. */
    public FrozenTrial add(TrialState state, double... curve) {
        TreeMap<Integer, Double> values = new TreeMap<>();
        for (int epoch = 0; epoch < curve.length; epoch++) {
            values.put(epoch, curve[epoch]);
        }
        return put(state, values);
    }

    /** Adds a trial with an explicit epoch -> value curve. */
    public FrozenTrial put(TrialState state, TreeMap<Integer, Double> curve) {
        Double value = state == TrialState.COMPLETE && !curve.isEmpty() ? curve.lastEntry().getValue() : null;
        FrozenTrial t = new FrozenTrial(trials.size(), state, TestSpaces.RESNEXT, Map.of(), Map.of(), value, curve,
                Instant.EPOCH, state.isFinished() ? Instant.EPOCH : null);
        trials.add(t);
        return t;
    }

    /** Replaces trial {@code number}'s curve with a longer one (it reported more epochs). */
    public FrozenTrial extend(int number, double... curve) {
        FrozenTrial old = trials.get(number);
        TreeMap<Integer, Double> values = new TreeMap<>();
        for (int epoch = 0; epoch < curve.length; epoch++) {
            values.put(epoch, curve[epoch]);
        }
        FrozenTrial t = new FrozenTrial(number, old.state(), old.template(), old.params(), old.distributions(), old.value(),
                values, old.started(), old.finished());
        trials.set(number, t);
        return t;
    }

    /** Moves trial {@code number} to {@code state}, keeping its curve (e.g. RUNNING -> HELD -> RUNNING). */
    public FrozenTrial move(int number, TrialState state) {
        FrozenTrial old = trials.get(number);
        FrozenTrial t = new FrozenTrial(number, state, old.template(), old.params(), old.distributions(), old.value(),
                old.intermediateValues(), old.started(), state.isFinished() ? Instant.EPOCH : null);
        trials.set(number, t);
        return t;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Direction direction() {
        return direction;
    }

    @Override
    public SearchSpace space() {
        return TestSpaces.of(TestSpaces.RESNEXT);
    }

    @Override
    public List<FrozenTrial> trials() {
        return List.copyOf(trials);
    }
}
