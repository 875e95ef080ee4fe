package dev.templatelab.storage.experiments;

import dev.templatelab.storage.trials.TrialStats;

/** One line of the experiment list: the experiment, its trial counts and its best objective so far (or null). */
public record ExperimentRow(ExperimentInfo experiment, TrialStats trials, Double bestObjectiveValue) {
}
