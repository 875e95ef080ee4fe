package dev.templatelab.tuning.study;

import dev.templatelab.tuning.space.Distribution;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Where one study's trials live (Optuna's storage, trimmed to what ask/tell needs). {@link InMemoryStudyStorage}
 * for a local study; {@code DbStudyStorage} (execution) for experiments in the database. Implementations must be
 * safe for concurrent workers.
 */
public interface StudyStorage {

    /** Records a new RUNNING trial and returns its number (0, 1, 2, ... in creation order). */
    int createTrial(String template, Map<String, Object> params, Map<String, Distribution> distributions, Instant started);

    /** Stores the objective at {@code step}; returns false (and keeps the first value) if the step was reported before. */
    boolean reportIntermediate(int number, int step, double value);

    /** Ends a RUNNING trial; ending it twice is an error. */
    void finishTrial(int number, TrialState state, Double value, Instant finished);

    /** One trial, or an error if there is no such number. */
    FrozenTrial trial(int number);

    /** Every trial, in number order. */
    List<FrozenTrial> trials();
}
