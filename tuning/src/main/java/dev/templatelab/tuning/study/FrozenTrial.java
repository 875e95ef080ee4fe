package dev.templatelab.tuning.study;

import dev.templatelab.tuning.space.Distribution;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A snapshot of one trial, as storage keeps it.
 *
 * @param number             0, 1, 2, ... in order of {@code ask}
 * @param state              where the trial is
 * @param template           the template it trains
 * @param params             the sampled hyperparameters, typed for {@code HyperparameterSchema.resolveTyped}
 * @param distributions      the distribution each parameter was sampled from
 * @param value              the objective (COMPLETE; PRUNED: the last reported value), else null
 * @param intermediateValues epoch -> objective, kept for pruned trials too
 * @param started            when it was asked for
 * @param finished           when it was told, or null while running
 */
public record FrozenTrial(int number, TrialState state, String template, Map<String, Object> params,
                          Map<String, Distribution> distributions, Double value,
                          SortedMap<Integer, Double> intermediateValues, Instant started, Instant finished)
        implements TrialView {

    public FrozenTrial {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        distributions = Collections.unmodifiableMap(new LinkedHashMap<>(distributions));
        intermediateValues = Collections.unmodifiableSortedMap(new TreeMap<>(intermediateValues));
    }

    /** Number of epochs reported. */
    public int reportedEpochs() {
        return intermediateValues.size();
    }

    /** The hyperparameter that says how many epochs a trial trains. */
    public static final String EPOCHS = "num_epochs";

    /**
     * The epochs this trial trains unless it is stopped: its {@value #EPOCHS} hyperparameter, which every
     * experiment's space holds (sampled, or fixed to the per-trial maximum). Empty for a study whose space lacks it.
     */
    public OptionalInt plannedEpochs() {
        return params.get(EPOCHS) instanceof Number n ? OptionalInt.of(n.intValue()) : OptionalInt.empty();
    }

    /** This trial in another state, the rest unchanged. */
    public FrozenTrial withState(TrialState newState) {
        return new FrozenTrial(number, newState, template, params, distributions, value, intermediateValues, started,
                finished);
    }
}
