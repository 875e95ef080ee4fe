package dev.templatelab.storage.metrics;

import org.springframework.data.jpa.repository.JpaRepository;

import java.util.Collection;
import java.util.List;

interface TrialMetricRepository extends JpaRepository<TrialMetricEntity, TrialMetricEntity.Key> {

    List<TrialMetricEntity> findByTrialIdInOrderByTrialIdAscEpochAsc(Collection<Long> trialIds);

    long countByTrialId(long trialId);
}
