package dev.templatelab.storage.metrics;

import java.time.Instant;

/** One stored row of {@code trial_metrics}: a trial's metrics for one epoch and when they were reported. */
public record RecordedEpoch(long trialId, EpochMetrics metrics, Instant recordedAt) {
}
