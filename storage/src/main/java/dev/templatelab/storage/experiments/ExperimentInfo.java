package dev.templatelab.storage.experiments;

import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;

import java.time.Instant;
import java.util.List;

/** An experiment as callers see it. Nullable: owner, startedAt, finishedAt. */
public record ExperimentInfo(long id, String name, long datasetId, List<String> templates, String searchSpaceJson,
                             String sampler, String pruner, Budget budget, Metric objective, Direction direction,
                             int parallelism, ExperimentState state, String owner, Instant createdAt,
                             Instant startedAt, Instant finishedAt) {
}
