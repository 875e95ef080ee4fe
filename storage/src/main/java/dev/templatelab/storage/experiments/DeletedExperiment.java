package dev.templatelab.storage.experiments;

/** What deleting an experiment removed: its trials (with their metrics and events) and checkpoint files. */
public record DeletedExperiment(long id, String name, long trials, long checkpointFiles, long checkpointBytes) {
}
