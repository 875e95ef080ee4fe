package dev.templatelab.storage.events;

import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

import java.util.List;

interface EventRepository extends JpaRepository<EventEntity, Long> {

    List<EventEntity> findByExperimentIdOrderByIdDesc(long experimentId, Pageable limit);

    List<EventEntity> findByExperimentIdAndIdGreaterThanOrderByIdAsc(long experimentId, long afterId, Pageable limit);

    List<EventEntity> findByTrialIdOrderByIdAsc(long trialId, Pageable limit);
}
