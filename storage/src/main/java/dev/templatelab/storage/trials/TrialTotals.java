package dev.templatelab.storage.trials;

/** What an experiment has spent so far: epochs recorded over all its trials and compute seconds reported. */
public record TrialTotals(long epochsRecorded, double cpuSeconds, double gpuSeconds) {
}
