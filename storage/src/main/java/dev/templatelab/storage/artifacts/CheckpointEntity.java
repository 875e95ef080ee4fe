package dev.templatelab.storage.artifacts;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.net.URI;
import java.time.Instant;

/** Row of {@code checkpoints}. */
@Entity
@Table(name = "checkpoints")
class CheckpointEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;

    @Column(name = "trial_id", nullable = false, updatable = false)
    long trialId;

    @Column(nullable = false, updatable = false)
    int epoch;

    @Column(nullable = false, length = 2000)
    String uri;

    @Column(name = "size_bytes", nullable = false)
    long sizeBytes;

    @JdbcTypeCode(SqlTypes.CHAR)
    @Column(nullable = false, length = 64)
    String sha256;

    @Column(name = "is_best", nullable = false)
    boolean best;

    /** The pruner's verdict on this epoch was given (see migration V7). */
    @Column(nullable = false)
    boolean judged;

    @Column(name = "created_at", nullable = false)
    Instant createdAt;

    protected CheckpointEntity() {
    }

    CheckpointEntity(long trialId, int epoch) {
        this.trialId = trialId;
        this.epoch = epoch;
    }

    void store(StoredArtifact artifact, Instant now) {
        this.uri = artifact.uri().toString();
        this.sizeBytes = artifact.sizeBytes();
        this.sha256 = artifact.sha256();
        this.createdAt = now;
    }

    StoredArtifact artifact() {
        return new StoredArtifact(URI.create(uri), sizeBytes, sha256);
    }

    CheckpointInfo toInfo() {
        return new CheckpointInfo(id, trialId, epoch, URI.create(uri), sizeBytes, sha256, best, judged, createdAt);
    }
}
