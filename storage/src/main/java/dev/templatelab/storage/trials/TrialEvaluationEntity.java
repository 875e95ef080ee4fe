package dev.templatelab.storage.trials;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.CreationTimestamp;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.annotations.SourceType;
import org.hibernate.type.SqlTypes;

import java.time.Instant;

/** Row of {@code trial_evaluations}: one final evaluation per trial. */
@Entity
@Table(name = "trial_evaluations")
class TrialEvaluationEntity {

    @Id
    @Column(name = "trial_id")
    Long trialId;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "per_class_metrics", nullable = false)
    String perClassMetricsJson;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "confusion_matrix", nullable = false)
    String confusionMatrixJson;

    @CreationTimestamp(source = SourceType.DB)
    @Column(name = "created_at", nullable = false)
    Instant createdAt;

    protected TrialEvaluationEntity() {
    }

    TrialEvaluationEntity(long trialId, String perClassMetricsJson, String confusionMatrixJson) {
        this.trialId = trialId;
        this.perClassMetricsJson = perClassMetricsJson;
        this.confusionMatrixJson = confusionMatrixJson;
    }

    TrialEvaluation toEvaluation() {
        return new TrialEvaluation(trialId, perClassMetricsJson, confusionMatrixJson, createdAt);
    }
}
