package dev.templatelab.storage.artifacts;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

interface CheckpointRepository extends JpaRepository<CheckpointEntity, Long> {

    List<CheckpointEntity> findByTrialIdOrderByEpochAsc(long trialId);

    Optional<CheckpointEntity> findByTrialIdAndEpoch(long trialId, int epoch);

    Optional<CheckpointEntity> findByTrialIdAndBestTrue(long trialId);

    Optional<CheckpointEntity> findFirstByTrialIdOrderByEpochDesc(long trialId);

    /** Clears the trial's best flag first: the partial unique index allows one best per trial. */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = "UPDATE checkpoints SET is_best = false WHERE trial_id = :trialId AND is_best", nativeQuery = true)
    int clearBest(long trialId);

    @Query(value = "SELECT now()", nativeQuery = true)
    Instant databaseNow();

    /**
     * Deletes the checkpoints of the experiment's ended trials that are not their best (kept only for resuming), in
     * one statement (judged and deleted under the same row locks); returns their URIs.
     */
    @Query(value = """
            DELETE FROM checkpoints c USING trials t
            WHERE c.trial_id = t.id AND t.experiment_id = :experimentId AND NOT c.is_best
              AND t.state IN ('COMPLETE', 'PRUNED', 'FAIL', 'CANCELLED')
            RETURNING c.uri""", nativeQuery = true)
    List<String> deleteNotBestOfEndedTrials(long experimentId);
}
