package dev.templatelab.tuning.study;

import java.util.OptionalInt;
import java.util.SortedMap;

/** What a pruner sees of a trial: its number and its curve (objective per reported epoch). */
public interface TrialView {

    int number();

    /** Epoch -> objective value, in epoch order. */
    SortedMap<Integer, Double> intermediateValues();

    /** The last reported epoch, if any. */
    default OptionalInt lastStep() {
        SortedMap<Integer, Double> values = intermediateValues();
        return values.isEmpty() ? OptionalInt.empty() : OptionalInt.of(values.lastKey());
    }
}
