package dev.templatelab.storage.trials;

import java.time.Instant;

/** A trial's final evaluation: per-class metrics and the confusion matrix, both as JSON. */
public record TrialEvaluation(long trialId, String perClassMetricsJson, String confusionMatrixJson, Instant createdAt) {
}
