package dev.templatelab.storage.trials;

import java.time.Instant;
import java.util.List;

/**
 * A trial as callers see it. {@code number} counts from 0 within the experiment; {@code heartbeatAt}
 * is the database clock; {@code attempts} counts claims (a re-queued trial keeps its count).
 * Nullable: workerId, heartbeatAt, error, startedAt, finishedAt, cpuSeconds, gpuSeconds,
 * objectiveValue, bestEpoch.
 */
public record TrialInfo(long id, long experimentId, int number, String template, TrialState state,
                        String workerId, Instant heartbeatAt, int attempts, String error, Instant createdAt,
                        Instant startedAt, Instant finishedAt, Double cpuSeconds, Double gpuSeconds,
                        Double objectiveValue, Integer bestEpoch, List<TrialParam> params) {
}
