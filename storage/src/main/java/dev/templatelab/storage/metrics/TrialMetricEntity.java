package dev.templatelab.storage.metrics;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.time.Instant;

/**
 * Row of {@code trial_metrics}. Written only by {@link MetricWriter} (multi-row INSERT); mapped so
 * Hibernate validates the table and JPQL can read curves.
 */
@Entity
@Table(name = "trial_metrics")
@IdClass(TrialMetricEntity.Key.class)
class TrialMetricEntity {

    @Id
    @Column(name = "trial_id")
    long trialId;

    @Id
    @Column(name = "epoch")
    int epoch;

    @Column(name = "train_loss")
    Double trainLoss;

    @Column(name = "val_loss")
    Double valLoss;

    @Column(name = "val_accuracy")
    Double valAccuracy;

    @Column(name = "val_macro_f1")
    Double valMacroF1;

    @Column(name = "learning_rate")
    Double learningRate;

    @Column(name = "images_per_second")
    Double imagesPerSecond;

    @Column(name = "val_map")
    Double valMap;

    @Column(name = "recorded_at", nullable = false)
    Instant recordedAt;

    protected TrialMetricEntity() {
    }

    RecordedEpoch toRecordedEpoch() {
        return new RecordedEpoch(trialId, new EpochMetrics(epoch, trainLoss, valLoss, valAccuracy, valMacroF1,
                learningRate, imagesPerSecond, valMap), recordedAt);
    }

    /** Composite key (trial_id, epoch). */
    record Key(long trialId, int epoch) implements Serializable {
        Key() {
            this(0, 0);
        }
    }
}
