package dev.templatelab.storage.trials;

/** What a worker gets from a claim: its lease and the trial to run (template, params, attempt). */
public record ClaimedTrial(TrialLease lease, TrialInfo trial) {
}
