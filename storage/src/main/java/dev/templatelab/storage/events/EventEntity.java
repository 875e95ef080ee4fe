package dev.templatelab.storage.events;

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

/** Row of {@code events}. */
@Entity
@Table(name = "events")
class EventEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;

    @Column(name = "experiment_id", nullable = false, updatable = false)
    long experimentId;

    @Column(name = "trial_id", updatable = false)
    Long trialId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, updatable = false, length = 5)
    EventLevel level;

    @Column(nullable = false, updatable = false, columnDefinition = "text")
    String message;

    @CreationTimestamp(source = SourceType.DB)
    @Column(nullable = false, updatable = false)
    Instant at;

    protected EventEntity() {
    }

    EventEntity(long experimentId, Long trialId, EventLevel level, String message) {
        this.experimentId = experimentId;
        this.trialId = trialId;
        this.level = level;
        this.message = message;
    }

    EventInfo toInfo() {
        return new EventInfo(id, experimentId, trialId, level, message, at);
    }
}
