package dev.templatelab.storage.experiments;

import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialStats;
import dev.templatelab.storage.trials.TrialTotals;

import java.util.Optional;

/** An experiment's dashboard: trial counts per state, best COMPLETE trial (or null), epochs and compute spent. */
public record ExperimentSummary(ExperimentInfo experiment, TrialStats trials, TrialInfo bestTrial, TrialTotals totals) {

    /** The best trial, if any trial completed. */
    public Optional<TrialInfo> best() {
        return Optional.ofNullable(bestTrial);
    }
}
