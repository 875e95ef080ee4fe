package dev.templatelab.storage.experiments;

import dev.templatelab.storage.IllegalTransitionException;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.hibernate.annotations.CreationTimestamp;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.annotations.SourceType;
import org.hibernate.type.SqlTypes;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Row of {@code experiments} (Optuna's studies plus dataset, templates, budget and state). */
@Entity
@Table(name = "experiments")
class ExperimentEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;

    @Column(nullable = false, unique = true, length = 200)
    String name;

    @Column(name = "dataset_id", nullable = false, updatable = false)
    long datasetId;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    List<String> templates;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "search_space", nullable = false)
    String searchSpaceJson;

    @Column(nullable = false, length = 100)
    String sampler;

    @Column(nullable = false, length = 100)
    String pruner;

    @Column(name = "max_trials")
    Integer maxTrials;

    @Column(name = "max_epochs_per_trial")
    Integer maxEpochsPerTrial;

    @Column(name = "max_wall_clock_seconds")
    Long maxWallClockSeconds;

    @Column(name = "max_total_epochs")
    Integer maxTotalEpochs;

    @Column(name = "target_objective_value")
    Double targetObjectiveValue;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 20)
    Metric objective;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 10)
    Direction direction;

    @Column(nullable = false)
    int parallelism;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 10)
    ExperimentState state;

    @Column(length = 200)
    String owner;

    @CreationTimestamp(source = SourceType.DB)
    @Column(name = "created_at", nullable = false, updatable = false)
    Instant createdAt;

    @Column(name = "started_at")
    Instant startedAt;

    @Column(name = "finished_at")
    Instant finishedAt;

    /** When the current pause began (null unless PAUSED). */
    @Column(name = "paused_at")
    Instant pausedAt;

    /** Seconds of earlier pauses since {@link #startedAt}: not part of the wall-clock budget. */
    @Column(name = "paused_seconds", nullable = false)
    double pausedSeconds;

    /** Two users pausing and cancelling at once: the second write fails instead of overwriting. */
    @Version
    long version;

    protected ExperimentEntity() {
    }

    ExperimentEntity(NewExperiment e) {
        this.name = e.name();
        this.datasetId = e.datasetId();
        this.templates = List.copyOf(e.templates());
        this.searchSpaceJson = e.searchSpaceJson();
        this.sampler = e.sampler();
        this.pruner = e.pruner();
        this.maxTrials = e.budget().maxTrials();
        this.maxEpochsPerTrial = e.budget().maxEpochsPerTrial();
        this.maxWallClockSeconds = e.budget().maxWallClockSeconds();
        this.maxTotalEpochs = e.budget().maxTotalEpochs();
        this.targetObjectiveValue = e.budget().targetObjectiveValue();
        this.objective = e.objective();
        this.direction = e.direction();
        this.parallelism = e.parallelism();
        this.owner = e.owner();
        this.state = ExperimentState.QUEUED;
    }

    /** Changes state if the state machine allows it; the caller's transaction stamps the times. */
    void moveTo(ExperimentState next, Instant now) {
        if (!state.canMoveTo(next)) {
            throw new IllegalTransitionException("experiment " + id + " (" + name + ") is " + state + "; "
                    + state + " -> " + next + " is not allowed");
        }
        if (next == ExperimentState.RUNNING && startedAt == null) {
            startedAt = now;
        }
        if (next == ExperimentState.PAUSED) {
            pausedAt = now;
        } else if (state == ExperimentState.PAUSED) {
            if (startedAt != null && pausedAt != null) {   // a pause before the first trial is no running time either
                pausedSeconds += Math.max(0, Duration.between(pausedAt, now).toNanos() / 1e9);
            }
            pausedAt = null;
        }
        if (next.isFinished()) {
            finishedAt = now;
        }
        state = next;
    }

    ExperimentInfo toInfo() {
        return new ExperimentInfo(id, name, datasetId, List.copyOf(templates), searchSpaceJson, sampler, pruner,
                new Budget(maxTrials, maxEpochsPerTrial, maxWallClockSeconds, maxTotalEpochs, targetObjectiveValue),
                objective, direction, parallelism, state, owner, createdAt, startedAt, finishedAt, pausedAt,
                Duration.ofNanos(Math.round(pausedSeconds * 1e9)));
    }
}
