package dev.templatelab.storage.experiments;

import jakarta.persistence.LockModeType;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

interface ExperimentRepository extends JpaRepository<ExperimentEntity, Long> {

    Optional<ExperimentEntity> findByName(String name);

    boolean existsByName(String name);

    Page<ExperimentEntity> findByState(ExperimentState state, Pageable pageable);

    /** Serialises trial numbering (and state changes) of one experiment. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("SELECT e FROM ExperimentEntity e WHERE e.id = :id")
    Optional<ExperimentEntity> lockById(long id);

    @Query(value = "SELECT now()", nativeQuery = true)
    Instant databaseNow();

    /** Locks the experiment's trials: a worker still finishing one cannot add a checkpoint row until we are done. */
    @Query(value = "SELECT id FROM trials WHERE experiment_id = :experimentId ORDER BY id FOR UPDATE", nativeQuery = true)
    List<Long> lockTrials(long experimentId);

    /** [files, bytes] of the experiment's checkpoints. */
    @Query(value = """
            SELECT count(*), coalesce(sum(c.size_bytes), 0) FROM checkpoints c JOIN trials t ON t.id = c.trial_id
            WHERE t.experiment_id = :experimentId""", nativeQuery = true)
    List<Object[]> checkpointTotals(long experimentId);

    @Query(value = "SELECT count(*) FROM datasets WHERE id = :datasetId", nativeQuery = true)
    long countDatasets(long datasetId);
}
