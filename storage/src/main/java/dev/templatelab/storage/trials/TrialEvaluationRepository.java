package dev.templatelab.storage.trials;

import org.springframework.data.jpa.repository.JpaRepository;

interface TrialEvaluationRepository extends JpaRepository<TrialEvaluationEntity, Long> {
}
