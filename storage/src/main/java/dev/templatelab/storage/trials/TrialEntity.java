package dev.templatelab.storage.trials;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.CreationTimestamp;
import org.hibernate.annotations.SourceType;

import java.time.Instant;
import java.util.List;

/**
 * Row of {@code trials}. Inserted through JPA; every state change is a conditional native UPDATE in
 * {@link TrialRepository} (guarded by the current state, worker and attempt), never a dirty entity.
 */
@Entity
@Table(name = "trials")
class TrialEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;

    @Column(name = "experiment_id", nullable = false, updatable = false)
    long experimentId;

    @Column(nullable = false, updatable = false)
    int number;

    @Column(nullable = false, updatable = false, length = 100)
    String template;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 10)
    TrialState state;

    @Column(name = "worker_id", length = 200)
    String workerId;

    @Column(name = "heartbeat_at")
    Instant heartbeatAt;

    @Column(nullable = false)
    int attempts;

    @Column(columnDefinition = "text")
    String error;

    @CreationTimestamp(source = SourceType.DB)
    @Column(name = "created_at", nullable = false, updatable = false)
    Instant createdAt;

    @Column(name = "started_at")
    Instant startedAt;

    @Column(name = "finished_at")
    Instant finishedAt;

    @Column(name = "cpu_seconds")
    Double cpuSeconds;

    @Column(name = "gpu_seconds")
    Double gpuSeconds;

    @Column(name = "objective_value")
    Double objectiveValue;

    @Column(name = "best_epoch")
    Integer bestEpoch;

    protected TrialEntity() {
    }

    TrialEntity(long experimentId, int number, String template) {
        this.experimentId = experimentId;
        this.number = number;
        this.template = template;
        this.state = TrialState.WAITING;
    }

    TrialInfo toInfo(List<TrialParam> params) {
        return new TrialInfo(id, experimentId, number, template, state, workerId, heartbeatAt, attempts, error,
                createdAt, startedAt, finishedAt, cpuSeconds, gpuSeconds, objectiveValue, bestEpoch, params);
    }
}
