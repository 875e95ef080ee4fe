package dev.templatelab.storage.trials;

import org.springframework.data.jpa.repository.JpaRepository;

import java.util.Collection;
import java.util.List;

interface TrialParamRepository extends JpaRepository<TrialParamEntity, Long> {

    List<TrialParamEntity> findByTrialIdInOrderByTrialIdAscIdAsc(Collection<Long> trialIds);
}
