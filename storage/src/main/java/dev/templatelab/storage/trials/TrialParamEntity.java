package dev.templatelab.storage.trials;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** Row of {@code trial_params} (Optuna's trial_params). */
@Entity
@Table(name = "trial_params")
class TrialParamEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;

    @Column(name = "trial_id", nullable = false, updatable = false)
    long trialId;

    @Column(nullable = false, updatable = false, length = 200)
    String name;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "value_json", nullable = false, updatable = false)
    String valueJson;

    @Column(name = "internal_value", nullable = false, updatable = false)
    double internalValue;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "distribution_json", nullable = false, updatable = false)
    String distributionJson;

    protected TrialParamEntity() {
    }

    TrialParamEntity(long trialId, TrialParam p) {
        this.trialId = trialId;
        this.name = p.name();
        this.valueJson = p.valueJson();
        this.internalValue = p.internalValue();
        this.distributionJson = p.distributionJson();
    }

    TrialParam toParam() {
        return new TrialParam(name, valueJson, internalValue, distributionJson);
    }
}
