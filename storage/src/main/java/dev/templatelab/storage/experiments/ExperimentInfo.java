package dev.templatelab.storage.experiments;

import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * An experiment as callers see it. Nullable: owner, startedAt, finishedAt, pausedAt (set while PAUSED).
 * {@code pausedBefore}: how long it was paused, after it started, before the current pause.
 */
public record ExperimentInfo(long id, String name, long datasetId, List<String> templates, String searchSpaceJson,
                             String sampler, String pruner, Budget budget, Metric objective, Direction direction,
                             int parallelism, ExperimentState state, String owner, Instant createdAt,
                             Instant startedAt, Instant finishedAt, Instant pausedAt, Duration pausedBefore) {

    /**
     * How long the experiment has been running at {@code now} (the database's clock): from its first trial to now
     * or its end, less the time it was paused. What its wall-clock budget counts; zero before its first trial.
     */
    public Duration runningTime(Instant now) {
        if (startedAt == null) {
            return Duration.ZERO;
        }
        Instant end = finishedAt != null ? finishedAt : pausedAt != null ? pausedAt : now;
        Duration ran = Duration.between(startedAt, end).minus(pausedBefore);
        return ran.isNegative() ? Duration.ZERO : ran;
    }
}
