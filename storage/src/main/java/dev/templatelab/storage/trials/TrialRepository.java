package dev.templatelab.storage.trials;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Trials. State changes are conditional UPDATEs: each names the state (and for a worker, the worker
 * and attempt) it expects, and returns 0 rows when the trial has moved on, so two workers can never
 * both own or finish a trial. Timestamps come from the database clock ({@code now()}; a claim's first heartbeat
 * from {@code clock_timestamp()}: a claim may wait on the experiment's lock and sample first, and a heartbeat
 * stamped with its transaction's start could look stale the moment it commits).
 */
interface TrialRepository extends JpaRepository<TrialEntity, Long> {

    @Query(value = "SELECT coalesce(max(number), -1) FROM trials WHERE experiment_id = :experimentId",
            nativeQuery = true)
    int maxNumber(long experimentId);

    /**
     * Locks the next WAITING trial of a claimable experiment whose retry delay (if any) has passed; rows other claimers
     * hold are skipped. Returns at most one [trial id, experiment id, experiment state] row.
     */
    @Query(value = """
            SELECT t.id, t.experiment_id, e.state FROM trials t JOIN experiments e ON e.id = t.experiment_id
            WHERE t.state = 'WAITING' AND t.experiment_id = :experimentId AND e.state IN ('QUEUED', 'RUNNING')
              AND (t.claimable_after IS NULL OR t.claimable_after <= now())
            ORDER BY t.number
            LIMIT 1
            FOR UPDATE OF t SKIP LOCKED""", nativeQuery = true)
    List<Object[]> lockNextWaiting(long experimentId);

    /** Whether {@link #lockNextWaiting(long)} could find a trial, other claimers' locks aside: nothing is locked. */
    @Query(value = """
            SELECT EXISTS (SELECT 1 FROM trials t WHERE t.experiment_id = :experimentId AND t.state = 'WAITING'
                           AND (t.claimable_after IS NULL OR t.claimable_after <= now()))""", nativeQuery = true)
    boolean hasClaimableWaiting(long experimentId);

    /** Like {@link #lockNextWaiting(long)} over every claimable experiment, oldest experiment first. */
    @Query(value = """
            SELECT t.id, t.experiment_id, e.state FROM trials t JOIN experiments e ON e.id = t.experiment_id
            WHERE t.state = 'WAITING' AND e.state IN ('QUEUED', 'RUNNING')
              AND (t.claimable_after IS NULL OR t.claimable_after <= now())
            ORDER BY t.experiment_id, t.number
            LIMIT 1
            FOR UPDATE OF t SKIP LOCKED""", nativeQuery = true)
    List<Object[]> lockNextWaitingInAnyExperiment();

    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET state = 'RUNNING', worker_id = :workerId, heartbeat_at = clock_timestamp(),
                              attempts = attempts + 1, started_at = now()
            WHERE id = :id AND state = 'WAITING'""", nativeQuery = true)
    int markClaimed(long id, String workerId);

    /** The first claim starts a QUEUED experiment. */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE experiments SET state = 'RUNNING', started_at = coalesce(started_at, now()), version = version + 1
            WHERE id = :experimentId AND state = 'QUEUED'""", nativeQuery = true)
    int markExperimentStarted(long experimentId);

    @Modifying(clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET heartbeat_at = now()
            WHERE id = :id AND state = 'RUNNING' AND worker_id = :workerId AND attempts = :attempt""",
            nativeQuery = true)
    int heartbeat(long id, String workerId, int attempt);

    /** Moves a RUNNING trial held by this lease to a final state. */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET state = :state, finished_at = now(),
                              epoch_count = (SELECT count(*) FROM trial_metrics m WHERE m.trial_id = trials.id),
                              objective_value = CAST(:objectiveValue AS double precision),
                              best_epoch = CAST(:bestEpoch AS integer),
                              cpu_seconds = CAST(:cpuSeconds AS double precision),
                              gpu_seconds = CAST(:gpuSeconds AS double precision),
                              error = CAST(:error AS text)
            WHERE id = :id AND state = 'RUNNING' AND worker_id = :workerId AND attempts = :attempt""",
            nativeQuery = true)
    int finish(long id, String workerId, int attempt, String state, Double objectiveValue, Integer bestEpoch,
               Double cpuSeconds, Double gpuSeconds, String error);

    /** RUNNING -> HELD (paused at an ASHA rung) for the trial held by this lease; its value so far is kept. */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET state = 'HELD', worker_id = NULL, heartbeat_at = NULL,
                              epoch_count = (SELECT count(*) FROM trial_metrics m WHERE m.trial_id = trials.id),
                              objective_value = CAST(:objectiveValue AS double precision),
                              best_epoch = CAST(:bestEpoch AS integer)
            WHERE id = :id AND state = 'RUNNING' AND worker_id = :workerId AND attempts = :attempt""",
            nativeQuery = true)
    int markHeld(long id, String workerId, int attempt, Double objectiveValue, Integer bestEpoch);

    /**
     * The checkpoint of that epoch records that its verdict (a hold) was carried out. Here rather than in the
     * checkpoints' repository so that {@code TrialService.hold} writes both in its one transaction.
     */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = "UPDATE checkpoints SET judged = true WHERE trial_id = :trialId AND epoch = :epoch", nativeQuery = true)
    int markCheckpointJudged(long trialId, int epoch);

    /**
     * HELD -> RUNNING for {@code workerId}: a promotion. Attempts are kept: a promotion is not a retry, so it
     * does not use up the trial's error retries.
     */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET state = 'RUNNING', worker_id = :workerId, heartbeat_at = clock_timestamp()
            WHERE id = :id AND state = 'HELD'""", nativeQuery = true)
    int markPromoted(long id, String workerId);

    /** HELD -> PRUNED for every held trial of the experiment (it ended without promoting them). */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET state = 'PRUNED', finished_at = now()
            WHERE experiment_id = :experimentId AND state = 'HELD'""", nativeQuery = true)
    int pruneHeld(long experimentId);

    /** RUNNING -> WAITING for the trial held by this lease, giving its attempt back: a voluntary stop, not a failure. */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET state = 'WAITING', worker_id = NULL, heartbeat_at = NULL, started_at = NULL,
                              attempts = attempts - 1
            WHERE id = :id AND state = 'RUNNING' AND worker_id = :workerId AND attempts = :attempt""", nativeQuery = true)
    int release(long id, String workerId, int attempt);

    /** RUNNING -> WAITING for one trial, claimable again {@code delaySeconds} from now; attempts are kept. */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET state = 'WAITING', worker_id = NULL, heartbeat_at = NULL, started_at = NULL,
                              claimable_after = now() + make_interval(secs => :delaySeconds)
            WHERE id = :id AND state = 'RUNNING'""", nativeQuery = true)
    int requeueAfter(long id, double delaySeconds);

    /** RUNNING -> WAITING for any worker's trial; attempts are kept. */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET state = 'WAITING', worker_id = NULL, heartbeat_at = NULL, started_at = NULL
            WHERE id IN (:ids) AND state = 'RUNNING'""", nativeQuery = true)
    int requeue(Collection<Long> ids);

    /** Ends trials that are not finished yet (WAITING, RUNNING or HELD) as FAIL with this error. */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET state = 'FAIL', finished_at = now(), error = :error,
                              epoch_count = (SELECT count(*) FROM trial_metrics m WHERE m.trial_id = trials.id)
            WHERE id IN (:ids) AND state IN ('WAITING', 'RUNNING', 'HELD')""", nativeQuery = true)
    int failUnfinished(Collection<Long> ids, String error);

    /**
     * Ends trials that are not finished yet (WAITING, RUNNING or HELD) as CANCELLED: stopped, not failed. Their best
     * epoch, value and epoch count come from {@link #settleCancelled}, run right after.
     */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET state = 'CANCELLED', finished_at = now()
            WHERE id IN (:ids) AND state IN ('WAITING', 'RUNNING', 'HELD')""", nativeQuery = true)
    int cancelUnfinished(Collection<Long> ids);

    /**
     * Gives CANCELLED trials the best epoch of their best checkpoint and the objective's value at that epoch (null
     * both without one), and counts their epochs again: what a cancelled trial reports is what it can hand over.
     */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials t SET
                best_epoch = (SELECT c.epoch FROM checkpoints c WHERE c.trial_id = t.id AND c.is_best),
                objective_value = (SELECT CASE e.objective WHEN 'TRAIN_LOSS' THEN m.train_loss
                                                           WHEN 'VAL_LOSS' THEN m.val_loss
                                                           WHEN 'VAL_ACCURACY' THEN m.val_accuracy
                                                           WHEN 'VAL_MAP' THEN m.val_map
                                                           ELSE m.val_macro_f1 END
                                   FROM checkpoints c
                                   JOIN trial_metrics m ON m.trial_id = c.trial_id AND m.epoch = c.epoch
                                   JOIN experiments e ON e.id = t.experiment_id
                                   WHERE c.trial_id = t.id AND c.is_best),
                epoch_count = (SELECT count(*) FROM trial_metrics m WHERE m.trial_id = t.id)
            WHERE t.id IN (:ids) AND t.state = 'CANCELLED'""", nativeQuery = true)
    int settleCancelled(Collection<Long> ids);

    @Query(value = "SELECT id FROM trials WHERE experiment_id = :experimentId AND state IN ('WAITING', 'RUNNING', 'HELD')"
            + " ORDER BY id FOR UPDATE", nativeQuery = true)
    List<Long> lockUnfinished(long experimentId);

    /** RUNNING trials whose last heartbeat (database clock) is older than the grace period. */
    @Query(value = """
            SELECT * FROM trials
            WHERE state = 'RUNNING' AND heartbeat_at < now() - make_interval(secs => :graceSeconds)
            ORDER BY heartbeat_at, id""", nativeQuery = true)
    List<TrialEntity> findStale(double graceSeconds);

    /** Locks the stale trials that no one else is handling; returns [id, attempts, experiment_id] rows. */
    @Query(value = """
            SELECT id, attempts, experiment_id FROM trials
            WHERE state = 'RUNNING' AND heartbeat_at < now() - make_interval(secs => :graceSeconds)
            ORDER BY id
            FOR UPDATE SKIP LOCKED""", nativeQuery = true)
    List<Object[]> lockStale(double graceSeconds);

    @Query(value = "SELECT state, count(*) FROM trials WHERE experiment_id = :experimentId GROUP BY state",
            nativeQuery = true)
    List<Object[]> countByState(long experimentId);

    /** Rows of [experiment_id, state, count, min(objective), max(objective)] for these experiments. */
    @Query(value = """
            SELECT experiment_id, state, count(*), min(objective_value), max(objective_value) FROM trials
            WHERE experiment_id IN (:experimentIds) GROUP BY experiment_id, state""", nativeQuery = true)
    List<Object[]> statsByExperimentAndState(Collection<Long> experimentIds);

    /**
     * [epochs recorded, cpu seconds, gpu seconds] spent on an experiment so far: finished trials'
     * epoch_count, live counts for the few unfinished ones (a re-queued WAITING trial may have epochs).
     */
    @Query(value = """
            SELECT coalesce(sum(CASE WHEN t.state IN ('WAITING', 'RUNNING')
                                     THEN (SELECT count(*) FROM trial_metrics m WHERE m.trial_id = t.id)
                                     ELSE t.epoch_count END), 0),
                   coalesce(sum(t.cpu_seconds), 0), coalesce(sum(t.gpu_seconds), 0)
            FROM trials t WHERE t.experiment_id = :experimentId""", nativeQuery = true)
    List<Object[]> totals(long experimentId);

    // Not null: a CANCELLED trial without a checkpoint has no value (DESC would put it first).
    Optional<TrialEntity> findFirstByExperimentIdAndStateAndObjectiveValueNotNullOrderByObjectiveValueDescNumberAsc(
            long experimentId, TrialState state);

    Optional<TrialEntity> findFirstByExperimentIdAndStateAndObjectiveValueNotNullOrderByObjectiveValueAscNumberAsc(
            long experimentId, TrialState state);

    Optional<TrialEntity> findByExperimentIdAndNumber(long experimentId, int number);

    Page<TrialEntity> findByExperimentId(long experimentId, Pageable pageable);

    Page<TrialEntity> findByExperimentIdAndState(long experimentId, TrialState state, Pageable pageable);

    // Criteria queries cannot say NULLS LAST (Hibernate 6.6), so the ranked pages are written out.
    @Query("SELECT t FROM TrialEntity t WHERE t.experimentId = :experimentId"
            + " ORDER BY t.objectiveValue DESC NULLS LAST, t.number")
    Page<TrialEntity> findRankedHighestFirst(long experimentId, Pageable pageable);

    @Query("SELECT t FROM TrialEntity t WHERE t.experimentId = :experimentId"
            + " ORDER BY t.objectiveValue ASC NULLS LAST, t.number")
    Page<TrialEntity> findRankedLowestFirst(long experimentId, Pageable pageable);

    /** Values of one metric column at one epoch for trials of an experiment in the given states. */
    @Query(value = """
            SELECT t.id, CASE :metric WHEN 'TRAIN_LOSS' THEN m.train_loss WHEN 'VAL_LOSS' THEN m.val_loss
                                      WHEN 'VAL_ACCURACY' THEN m.val_accuracy WHEN 'VAL_MAP' THEN m.val_map
                                      ELSE m.val_macro_f1 END
            FROM trials t JOIN trial_metrics m ON m.trial_id = t.id AND m.epoch = :epoch
            WHERE t.experiment_id = :experimentId AND t.state IN (:states)""", nativeQuery = true)
    List<Object[]> valuesAtEpoch(long experimentId, int epoch, String metric, Collection<String> states);

    /** Sets the times a caller's clock decided (the tuner's ask/tell); null keeps the stored time. */
    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query(value = """
            UPDATE trials SET started_at = coalesce(CAST(:startedAt AS timestamptz), started_at),
                              finished_at = coalesce(CAST(:finishedAt AS timestamptz), finished_at)
            WHERE id = :id""", nativeQuery = true)
    int stamp(long id, java.time.OffsetDateTime startedAt, java.time.OffsetDateTime finishedAt);
}
