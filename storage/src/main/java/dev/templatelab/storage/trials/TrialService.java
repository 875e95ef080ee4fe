package dev.templatelab.storage.trials;

import dev.templatelab.storage.IllegalTransitionException;
import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.events.EventLevel;
import dev.templatelab.storage.events.EventService;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.MetricWriter;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Trials for workers and the tuner: claim (atomic, {@code FOR UPDATE SKIP LOCKED}), heartbeat
 * (database clock), report epoch metrics (batched), complete / prune / fail, find and re-queue trials
 * whose worker went silent. Every state change is a conditional UPDATE checked against
 * {@link TrialState}: a finished trial never changes again, and a worker whose lease was taken away
 * gets a {@link TrialLeaseLostException}.
 */
@Service
@Transactional
public class TrialService {

    private final TrialRepository trials;
    private final TrialParamRepository params;
    private final TrialEvaluationRepository evaluations;
    private final MetricWriter metricWriter;
    private final EventService events;
    private final TransactionTemplate transaction;

    TrialService(TrialRepository trials, TrialParamRepository params, TrialEvaluationRepository evaluations,
                 MetricWriter metricWriter, EventService events, PlatformTransactionManager transactionManager) {
        this.trials = trials;
        this.params = params;
        this.evaluations = evaluations;
        this.metricWriter = metricWriter;
        this.events = events;
        this.transaction = new TransactionTemplate(transactionManager);
    }

    /**
     * Adds WAITING trials numbered after the experiment's last one. Callers go through
     * {@code ExperimentService.enqueueTrials}, which locks the experiment so numbers never collide.
     */
    public List<TrialInfo> addTrials(long experimentId, List<NewTrial> newTrials) {
        int number = trials.maxNumber(experimentId) + 1;
        List<TrialEntity> saved = new ArrayList<>();
        for (NewTrial t : newTrials) {
            saved.add(trials.save(new TrialEntity(experimentId, number++, t.template())));
        }
        trials.flush();
        List<TrialParamEntity> paramRows = new ArrayList<>();
        for (int i = 0; i < saved.size(); i++) {
            for (TrialParam p : newTrials.get(i).params()) {
                paramRows.add(new TrialParamEntity(saved.get(i).id, p));
            }
        }
        params.saveAllAndFlush(paramRows);
        return toInfos(saved);
    }

    /** Claims the next WAITING trial of this experiment for {@code workerId}; empty when none is waiting. */
    public Optional<ClaimedTrial> claimNext(long experimentId, String workerId) {
        requireWorkerId(workerId);
        return claim(trials.lockNextWaiting(experimentId), workerId);
    }

    /**
     * Whether the experiment has a WAITING trial whose retry delay (if any) has passed: what {@link #claimNext(long,
     * String)} looks for, asked without locking anything, so a worker takes the experiment's lock only if it may claim.
     */
    @Transactional(readOnly = true)
    public boolean hasClaimableWaiting(long experimentId) {
        return trials.hasClaimableWaiting(experimentId);
    }

    /** Claims the next WAITING trial of any QUEUED or RUNNING experiment, oldest experiment first. */
    public Optional<ClaimedTrial> claimNext(String workerId) {
        requireWorkerId(workerId);
        return claim(trials.lockNextWaitingInAnyExperiment(), workerId);
    }

    private Optional<ClaimedTrial> claim(List<Object[]> locked, String workerId) {
        if (locked.isEmpty()) {
            return Optional.empty();
        }
        long id = ((Number) locked.get(0)[0]).longValue();
        // The row is locked by this transaction and still WAITING, so this cannot miss.
        if (trials.markClaimed(id, workerId) != 1) {
            throw new IllegalStateException("trial " + id + " changed under its row lock");
        }
        if ("QUEUED".equals(locked.get(0)[2])) {
            trials.markExperimentStarted(((Number) locked.get(0)[1]).longValue());
        }
        TrialInfo trial = get(id);
        return Optional.of(new ClaimedTrial(new TrialLease(id, workerId, trial.attempts()), trial));
    }

    /**
     * Adds one trial numbered after the experiment's last and claims it for {@code workerId} at once: what a
     * tuner does when it samples a new trial. Callers lock the experiment first
     * ({@code ExperimentService.lockForUpdate}) so the trial count they checked still holds.
     */
    public ClaimedTrial claimNew(long experimentId, NewTrial trial, String workerId) {
        requireWorkerId(workerId);
        long id = addTrials(experimentId, List.of(trial)).get(0).id();
        if (trials.markClaimed(id, workerId) != 1) {
            throw new IllegalStateException("trial " + id + " changed before its creator could claim it");
        }
        trials.markExperimentStarted(experimentId);
        TrialInfo claimed = get(id);
        return new ClaimedTrial(new TrialLease(id, workerId, claimed.attempts()), claimed);
    }

    /** Overrides a trial's start and/or finish time (null keeps it), for tuners that keep their own clock. */
    public TrialInfo stamp(long trialId, java.time.Instant startedAt, java.time.Instant finishedAt) {
        trials.stamp(trialId, startedAt == null ? null : startedAt.atOffset(java.time.ZoneOffset.UTC),
                finishedAt == null ? null : finishedAt.atOffset(java.time.ZoneOffset.UTC));
        return get(trialId);
    }

    /**
     * Records that the lease's worker is alive (database clock). Returns false when the lease is no
     * longer valid (trial re-queued, re-claimed, cancelled or finished): the worker should stop.
     */
    public boolean heartbeat(TrialLease lease) {
        return trials.heartbeat(lease.trialId(), lease.workerId(), lease.attempt()) == 1;
    }

    /** Queues one epoch's metrics for a batched write; a re-sent epoch is ignored. */
    @Transactional(propagation = Propagation.SUPPORTS)
    public void reportEpoch(long trialId, EpochMetrics metrics) {
        metricWriter.add(trialId, metrics);
    }

    /** Writes every queued epoch metric now (completing, pruning or failing a trial does this too). */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public void flushMetrics() {
        metricWriter.flush();
    }

    /** RUNNING -> COMPLETE with the objective value (required) and usage; the trial's metrics are flushed first. */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public TrialInfo complete(TrialLease lease, TrialResult result) {
        if (result.objectiveValue() == null || result.objectiveValue().isNaN()) {
            throw new IllegalArgumentException("completing trial " + lease.trialId()
                    + " needs a numeric objective value, got " + result.objectiveValue());
        }
        return finish(lease, TrialState.COMPLETE, result, null);
    }

    /** RUNNING -> PRUNED (stopped early by the pruner), with the last objective value if known. */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public TrialInfo prune(TrialLease lease, TrialResult result) {
        return finish(lease, TrialState.PRUNED, result, null);
    }

    /** RUNNING -> FAIL with the error text (e.g. a stack trace); {@code usage} may be null. */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public TrialInfo fail(TrialLease lease, String error, TrialResult usage) {
        TrialInfo failed = finish(lease, TrialState.FAIL,
                usage == null ? new TrialResult(null, null, null, null) : usage,
                error == null || error.isBlank() ? "failed without a message" : error);
        events.log(failed.experimentId(), failed.id(), EventLevel.WARN,
                "trial #" + failed.number() + " failed: " + firstLine(failed.error()));
        return failed;
    }

    /**
     * RUNNING -> HELD: the trial paused at an ASHA rung (its epoch checkpoint stays in the artifact store), with
     * its objective value so far. The lease ends; {@link #promote} lets a worker run it on.
     */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public TrialInfo hold(TrialLease lease, TrialResult result) {
        return hold(lease, result, null);
    }

    /**
     * As {@link #hold(TrialLease, TrialResult)}, and in the same transaction records on the checkpoint of
     * {@code judgedEpoch} (if any) that the verdict there was carried out: a trial promoted and then taken up again
     * after a lost worker is not judged at that rung a second time, and a refused hold records nothing.
     */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public TrialInfo hold(TrialLease lease, TrialResult result, Integer judgedEpoch) {
        metricWriter.flush(lease.trialId());
        return transaction.execute(status -> {
            if (trials.markHeld(lease.trialId(), lease.workerId(), lease.attempt(), result.objectiveValue(),
                    result.bestEpoch()) != 1) {
                throw refusal(lease, TrialState.HELD);
            }
            if (judgedEpoch != null) {
                trials.markCheckpointJudged(lease.trialId(), judgedEpoch);
            }
            return get(lease.trialId());
        });
    }

    /**
     * HELD -> RUNNING for {@code workerId}: the pruner promoted the trial. Callers lock the experiment first
     * ({@code ExperimentService.lockForUpdate}), as for a new trial. The attempt number is unchanged.
     */
    public ClaimedTrial promote(long trialId, String workerId) {
        requireWorkerId(workerId);
        TrialInfo before = get(trialId);
        if (trials.markPromoted(trialId, workerId) != 1) {
            throw new IllegalTransitionException("trial " + trialId + " (#" + before.number() + " of experiment "
                    + before.experimentId() + ") is " + before.state() + "; only a HELD trial can be promoted");
        }
        TrialInfo promoted = get(trialId);
        return new ClaimedTrial(new TrialLease(trialId, workerId, promoted.attempts()), promoted);
    }

    /** Ends every HELD trial of the experiment as PRUNED, keeping its value: the search ended without promoting it. */
    public int pruneHeld(long experimentId) {
        return trials.pruneHeld(experimentId);
    }

    // Not transactional itself: the trial's metrics are flushed on the writer's own connection first,
    // so a caller never holds a pool connection while waiting for another one, and the finished trial
    // counts (epoch_count) and shows its whole curve.
    private TrialInfo finish(TrialLease lease, TrialState target, TrialResult result, String error) {
        metricWriter.flush(lease.trialId());
        return transaction.execute(status -> {
            int changed = trials.finish(lease.trialId(), lease.workerId(), lease.attempt(), target.name(),
                    result.objectiveValue(), result.bestEpoch(), result.cpuSeconds(), result.gpuSeconds(), error);
            if (changed != 1) {
                throw refusal(lease, target);
            }
            return get(lease.trialId());
        });
    }

    private IllegalTransitionException refusal(TrialLease lease, TrialState target) {
        TrialInfo now = get(lease.trialId());
        if (!now.state().canMoveTo(target)) {
            return new IllegalTransitionException("trial " + now.id() + " (#" + now.number() + " of experiment "
                    + now.experimentId() + ") is " + now.state() + "; " + now.state() + " -> " + target
                    + " is not allowed");
        }
        return new TrialLeaseLostException(lease, now);
    }

    /** RUNNING trials whose last heartbeat (database clock) is older than {@code grace}, stalest first. */
    @Transactional(readOnly = true)
    public List<TrialInfo> findStale(Duration grace) {
        return toInfos(trials.findStale(seconds(grace)));
    }

    /**
     * Re-queues RUNNING trials silent for longer than {@code grace} (back to WAITING, attempts kept), or
     * fails those already claimed {@code maxAttempts} times. Safe to run from several processes at once.
     */
    public StaleTrialsReport requeueStale(Duration grace, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        List<Long> requeue = new ArrayList<>();
        List<Long> fail = new ArrayList<>();
        Map<Long, Long> experimentOf = new HashMap<>();
        for (Object[] row : trials.lockStale(seconds(grace))) {
            long id = ((Number) row[0]).longValue();
            experimentOf.put(id, ((Number) row[2]).longValue());
            (((Number) row[1]).intValue() < maxAttempts ? requeue : fail).add(id);
        }
        if (!requeue.isEmpty()) {
            trials.requeue(requeue);
        }
        String reason = "no heartbeat for over " + grace.toSeconds() + " s after " + maxAttempts + " attempt(s)";
        if (!fail.isEmpty()) {
            trials.failUnfinished(fail, reason);
        }
        requeue.forEach(id -> events.log(experimentOf.get(id), id, EventLevel.WARN,
                "trial re-queued: no heartbeat for over " + grace.toSeconds() + " s"));
        fail.forEach(id -> events.log(experimentOf.get(id), id, EventLevel.ERROR, "trial failed: " + reason));
        return new StaleTrialsReport(List.copyOf(requeue), List.copyOf(fail));
    }

    /**
     * Puts the lease's RUNNING trial back to WAITING without using up an attempt: its worker stopped it on purpose
     * (experiment paused, worker shutting down), so the retry limit, which is for errors and lost workers, is not
     * touched. Returns false if the lease was no longer valid.
     */
    public boolean release(TrialLease lease) {
        return trials.release(lease.trialId(), lease.workerId(), lease.attempt()) == 1;
    }

    /** Puts one RUNNING trial back to WAITING (attempts kept), e.g. when a user restarts it. */
    public TrialInfo requeue(long trialId) {
        return requeue(trialId, Duration.ZERO);
    }

    /**
     * Puts one RUNNING trial back to WAITING (attempts kept), not to be claimed before {@code delay} has passed by the
     * database's clock: a trial that failed with an error is retried after a pause, not at once.
     */
    public TrialInfo requeue(long trialId, Duration delay) {
        TrialInfo before = get(trialId);
        if (trials.requeueAfter(trialId, delay.toMillis() / 1000.0) != 1) {
            throw new IllegalTransitionException("trial " + trialId + " (#" + before.number() + " of experiment "
                    + before.experimentId() + ") is " + before.state() + "; " + before.state()
                    + " -> WAITING is not allowed");
        }
        return get(trialId);
    }

    /**
     * Ends every WAITING, RUNNING or HELD trial of an experiment as FAIL with {@code reason} (the experiment failed);
     * returns how many. A cancelled experiment's trials are {@linkplain #cancelUnfinished cancelled} instead.
     */
    public int failUnfinished(long experimentId, String reason) {
        List<Long> ids = trials.lockUnfinished(experimentId);
        return ids.isEmpty() ? 0 : trials.failUnfinished(ids, reason);
    }

    /**
     * Ends every WAITING, RUNNING or HELD trial of an experiment as CANCELLED (its experiment was cancelled), each with
     * the best epoch and objective value of its best checkpoint, if it stored one; returns how many. A worker still
     * storing an epoch's checkpoint when this runs calls {@link #settleCancelled} once it stopped.
     */
    public int cancelUnfinished(long experimentId) {
        List<Long> ids = trials.lockUnfinished(experimentId);
        if (ids.isEmpty()) {
            return 0;
        }
        int cancelled = trials.cancelUnfinished(ids);
        trials.settleCancelled(ids);
        return cancelled;
    }

    /**
     * Sets a CANCELLED trial's best epoch and objective value (and epoch count) again from its best checkpoint, for a
     * worker that stored a checkpoint after the cancel; false (nothing changed) if the trial is not CANCELLED.
     */
    public boolean settleCancelled(long trialId) {
        return trials.settleCancelled(List.of(trialId)) == 1;
    }

    /** The trial with this id. */
    @Transactional(readOnly = true)
    public TrialInfo get(long trialId) {
        return trials.findById(trialId).map(t -> toInfos(List.of(t)).get(0))
                .orElseThrow(() -> new NotFoundException("trial", trialId));
    }

    /** Trial number {@code number} of an experiment. */
    @Transactional(readOnly = true)
    public Optional<TrialInfo> find(long experimentId, int number) {
        return trials.findByExperimentIdAndNumber(experimentId, number).map(t -> toInfos(List.of(t)).get(0));
    }

    /**
     * A page of an experiment's trials, optionally of one state ({@code null}: all), sorted as the
     * pageable says by {@link TrialInfo} field names, e.g. {@code Sort.by("number")}. Nulls sort as
     * PostgreSQL does (last ascending, first descending); for best-first use {@link #ranked}.
     */
    @Transactional(readOnly = true)
    public Page<TrialInfo> page(long experimentId, TrialState state, Pageable pageable) {
        Page<TrialEntity> page = state == null
                ? trials.findByExperimentId(experimentId, pageable)
                : trials.findByExperimentIdAndState(experimentId, state, pageable);
        return new PageImpl<>(toInfos(page.getContent()), pageable, page.getTotalElements());
    }

    /**
     * A page of an experiment's trials best objective first in {@code direction}; trials without an
     * objective value (waiting, running, failed, cancelled without a checkpoint) come last, ties in trial-number order. The
     * pageable's sort is ignored.
     */
    @Transactional(readOnly = true)
    public Page<TrialInfo> ranked(long experimentId, Direction direction, Pageable pageable) {
        Pageable unsorted = pageable.isPaged() ? PageRequest.of(pageable.getPageNumber(), pageable.getPageSize())
                : pageable;
        Page<TrialEntity> page = direction == Direction.MAXIMIZE
                ? trials.findRankedHighestFirst(experimentId, unsorted)
                : trials.findRankedLowestFirst(experimentId, unsorted);
        return new PageImpl<>(toInfos(page.getContent()), unsorted, page.getTotalElements());
    }

    /** The COMPLETE trial with the best objective value in {@code direction} (lowest number on ties). */
    @Transactional(readOnly = true)
    public Optional<TrialInfo> best(long experimentId, Direction direction) {
        return best(experimentId, direction, TrialState.COMPLETE);
    }

    /**
     * The trial in {@code state} with the best objective value in {@code direction} (lowest number on ties); trials
     * without a value (a CANCELLED one that stored no checkpoint) are left out.
     */
    @Transactional(readOnly = true)
    public Optional<TrialInfo> best(long experimentId, Direction direction, TrialState state) {
        Optional<TrialEntity> best = direction == Direction.MAXIMIZE
                ? trials.findFirstByExperimentIdAndStateAndObjectiveValueNotNullOrderByObjectiveValueDescNumberAsc(
                        experimentId, state)
                : trials.findFirstByExperimentIdAndStateAndObjectiveValueNotNullOrderByObjectiveValueAscNumberAsc(
                        experimentId, state);
        return best.map(t -> toInfos(List.of(t)).get(0));
    }

    /** Trial counts per state and objective range of each experiment, in one query. */
    @Transactional(readOnly = true)
    public Map<Long, TrialStats> stats(Collection<Long> experimentIds) {
        Map<Long, EnumMap<TrialState, Long>> counts = new LinkedHashMap<>();
        Map<Long, Double[]> range = new HashMap<>();
        for (Long id : experimentIds) {
            counts.put(id, zeroCounts());
            range.put(id, new Double[2]);
        }
        if (!experimentIds.isEmpty()) {
            for (Object[] row : trials.statsByExperimentAndState(experimentIds)) {
                long experimentId = ((Number) row[0]).longValue();
                TrialState state = TrialState.valueOf((String) row[1]);
                counts.get(experimentId).put(state, ((Number) row[2]).longValue());
                if (state == TrialState.COMPLETE) {
                    range.put(experimentId, new Double[] {toDouble(row[3]), toDouble(row[4])});
                }
            }
        }
        Map<Long, TrialStats> stats = new LinkedHashMap<>();
        counts.forEach((id, c) -> stats.put(id, new TrialStats(Map.copyOf(c), range.get(id)[0], range.get(id)[1])));
        return stats;
    }

    /** Trial counts and objective range of one experiment. */
    @Transactional(readOnly = true)
    public TrialStats stats(long experimentId) {
        return stats(List.of(experimentId)).get(experimentId);
    }

    /** Epochs recorded and compute reported over all of an experiment's trials. */
    @Transactional(readOnly = true)
    public TrialTotals totals(long experimentId) {
        Object[] row = trials.totals(experimentId).get(0);
        return new TrialTotals(((Number) row[0]).longValue(), ((Number) row[1]).doubleValue(),
                ((Number) row[2]).doubleValue());
    }

    /**
     * One metric at one epoch for an experiment's trials in {@code states} (trial id -> value), what a
     * median or percentile pruner compares a running trial against. Trials without that epoch are absent.
     */
    @Transactional(readOnly = true)
    public Map<Long, Double> valuesAtEpoch(long experimentId, int epoch, Metric metric, Set<TrialState> states) {
        if (states.isEmpty()) {
            return Map.of();
        }
        Map<Long, Double> values = new LinkedHashMap<>();
        for (Object[] row : trials.valuesAtEpoch(experimentId, epoch, metric.name(),
                states.stream().map(Enum::name).toList())) {
            if (row[1] != null) {
                values.put(((Number) row[0]).longValue(), ((Number) row[1]).doubleValue());
            }
        }
        return values;
    }

    /** Stores (or replaces) a trial's final evaluation: per-class metrics and confusion matrix as JSON. */
    public TrialEvaluation recordEvaluation(long trialId, String perClassMetricsJson, String confusionMatrixJson) {
        if (!trials.existsById(trialId)) {
            throw new NotFoundException("trial", trialId);
        }
        evaluations.findById(trialId).ifPresent(old -> {
            evaluations.delete(old);
            evaluations.flush();
        });
        return evaluations.saveAndFlush(new TrialEvaluationEntity(trialId, perClassMetricsJson, confusionMatrixJson))
                .toEvaluation();
    }

    /** A trial's final evaluation, if recorded. */
    @Transactional(readOnly = true)
    public Optional<TrialEvaluation> evaluation(long trialId) {
        return evaluations.findById(trialId).map(TrialEvaluationEntity::toEvaluation);
    }

    private List<TrialInfo> toInfos(List<TrialEntity> entities) {
        if (entities.isEmpty()) {
            return List.of();
        }
        Map<Long, List<TrialParam>> byTrial = params.findByTrialIdInOrderByTrialIdAscIdAsc(
                        entities.stream().map(t -> t.id).toList()).stream()
                .collect(Collectors.groupingBy(p -> p.trialId, Collectors.mapping(TrialParamEntity::toParam,
                        Collectors.toList())));
        return entities.stream().map(t -> t.toInfo(List.copyOf(byTrial.getOrDefault(t.id, List.of())))).toList();
    }

    private static EnumMap<TrialState, Long> zeroCounts() {
        EnumMap<TrialState, Long> counts = new EnumMap<>(TrialState.class);
        for (TrialState s : TrialState.values()) {
            counts.put(s, 0L);
        }
        return counts;
    }

    private static Double toDouble(Object o) {
        return o == null ? null : ((Number) o).doubleValue();
    }

    private static double seconds(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("grace period must not be negative, got " + d);
        }
        return d.toNanos() / 1e9;
    }

    private static void requireWorkerId(String workerId) {
        if (workerId == null || workerId.isBlank() || workerId.length() > 200) {
            throw new IllegalArgumentException("worker id must be 1-200 characters, got: " + workerId);
        }
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
