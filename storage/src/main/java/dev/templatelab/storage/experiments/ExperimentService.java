package dev.templatelab.storage.experiments;

import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.IllegalTransitionException;
import dev.templatelab.storage.artifacts.ArtifactStore;
import dev.templatelab.storage.events.EventLevel;
import dev.templatelab.storage.events.EventService;
import dev.templatelab.storage.trials.NewTrial;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Experiments: create (with trials), enqueue more trials, list for the UI, summarise, and pause,
 * resume, cancel, complete or fail. State changes lock the experiment row and follow
 * {@link ExperimentState}; each one is written to the experiment's event log.
 */
@Service
@Transactional
public class ExperimentService {

    /** Default order of {@link #list}: newest first. */
    public static final Sort NEWEST_FIRST = Sort.by(Sort.Order.desc("createdAt"), Sort.Order.desc("id"));

    private static final Logger log = LoggerFactory.getLogger(ExperimentService.class);

    private final ExperimentRepository experiments;
    private final TrialService trials;
    private final EventService events;
    private final ArtifactStore artifacts;
    private final TransactionTemplate transaction;

    ExperimentService(ExperimentRepository experiments, TrialService trials, EventService events,
                      ArtifactStore artifacts, PlatformTransactionManager transactions) {
        this.experiments = experiments;
        this.trials = trials;
        this.events = events;
        this.artifacts = artifacts;
        this.transaction = new TransactionTemplate(transactions);
    }

    /** Creates a QUEUED experiment without trials (the tuner enqueues them as it samples). */
    public ExperimentInfo create(NewExperiment spec) {
        return create(spec, List.of());
    }

    /** Creates a QUEUED experiment with its first WAITING trials, numbered from 0. */
    public ExperimentInfo create(NewExperiment spec, List<NewTrial> initialTrials) {
        if (experiments.countDatasets(spec.datasetId()) == 0) {
            throw new NotFoundException("dataset", spec.datasetId());
        }
        if (experiments.existsByName(spec.name())) {
            throw new IllegalArgumentException("an experiment named " + spec.name() + " already exists");
        }
        ExperimentEntity saved = experiments.saveAndFlush(new ExperimentEntity(spec));
        if (!initialTrials.isEmpty()) {
            trials.addTrials(saved.id, initialTrials);
        }
        events.info(saved.id, "experiment created with " + initialTrials.size() + " trial(s) of "
                + String.join(", ", spec.templates()));
        return saved.toInfo();
    }

    /** Adds WAITING trials, numbered after the last; refused once the experiment is finished. */
    public List<TrialInfo> enqueueTrials(long experimentId, List<NewTrial> newTrials) {
        ExperimentEntity e = lock(experimentId);
        if (e.state.isFinished()) {
            throw new IllegalTransitionException("experiment " + experimentId + " (" + e.name + ") is " + e.state
                    + "; no trials can be added");
        }
        return trials.addTrials(experimentId, newTrials);
    }

    /**
     * Locks the experiment's row until the caller's transaction ends (which must exist): tuners on any
     * machine sample its next trial one at a time, so the budget is never overrun.
     */
    @Transactional(propagation = org.springframework.transaction.annotation.Propagation.MANDATORY)
    public ExperimentInfo lockForUpdate(long id) {
        return lock(id).toInfo();
    }

    /** The experiment with this id. */
    @Transactional(readOnly = true)
    public ExperimentInfo get(long id) {
        return experiments.findById(id).map(ExperimentEntity::toInfo)
                .orElseThrow(() -> new NotFoundException("experiment", id));
    }

    /** The experiment with this name, if any. */
    @Transactional(readOnly = true)
    public Optional<ExperimentInfo> findByName(String name) {
        return experiments.findByName(name).map(ExperimentEntity::toInfo);
    }

    /**
     * A page of experiments with their trial counts and best objective, optionally only those in
     * {@code state} (null: all); sorted as the pageable says, newest first when it is unsorted.
     */
    @Transactional(readOnly = true)
    public Page<ExperimentRow> list(ExperimentState state, Pageable pageable) {
        Pageable sorted = pageable.getSort().isSorted() || pageable.isUnpaged() ? pageable
                : PageRequest.of(pageable.getPageNumber(), pageable.getPageSize(), NEWEST_FIRST);
        Page<ExperimentEntity> page = state == null ? experiments.findAll(sorted) : experiments.findByState(state, sorted);
        Map<Long, TrialStats> stats = trials.stats(page.getContent().stream().map(e -> e.id).toList());
        List<ExperimentRow> rows = page.getContent().stream().map(e -> {
            TrialStats s = stats.get(e.id);
            return new ExperimentRow(e.toInfo(), s, s.best(e.direction));
        }).toList();
        return new PageImpl<>(rows, sorted, page.getTotalElements());
    }

    /** Counts per trial state, best trial, epochs and compute spent. */
    @Transactional(readOnly = true)
    public ExperimentSummary summary(long id) {
        ExperimentInfo experiment = get(id);
        return new ExperimentSummary(experiment, trials.stats(id),
                trials.best(id, experiment.direction()).orElse(null), trials.totals(id));
    }

    /** The database's clock: what {@link ExperimentInfo#runningTime} is measured against on every machine. */
    @Transactional(readOnly = true)
    public Instant databaseNow() {
        return experiments.databaseNow();
    }

    /** QUEUED/RUNNING -> PAUSED: workers claim none of its trials until {@link #resume}. */
    public ExperimentInfo pause(long id) {
        return move(id, ExperimentState.PAUSED, "experiment paused");
    }

    /** PAUSED -> RUNNING (or QUEUED if no trial had started). */
    public ExperimentInfo resume(long id) {
        ExperimentEntity e = lock(id);
        ExperimentState next = e.startedAt != null ? ExperimentState.RUNNING : ExperimentState.QUEUED;
        if (e.state != ExperimentState.PAUSED) {
            throw new IllegalTransitionException("experiment " + id + " (" + e.name + ") is " + e.state
                    + "; only a PAUSED experiment can be resumed");
        }
        return move(id, next, "experiment resumed");
    }

    /**
     * Cancels the experiment: WAITING, RUNNING and HELD trials become CANCELLED (not FAIL: nothing went wrong), each
     * keeping its curve and the best epoch and value of its best checkpoint, if it stored one.
     */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public ExperimentInfo cancel(long id) {
        return retryingDeadlocks(() -> {
            ExperimentInfo cancelled = move(id, ExperimentState.CANCELLED, "experiment cancelled");
            int stopped = trials.cancelUnfinished(id);
            if (stopped > 0) {
                events.info(id, stopped + " unfinished trial(s) cancelled with the experiment");
            }
            return cancelled;
        });
    }

    /** RUNNING -> COMPLETE: the tuner is done (budget spent or target reached). */
    public ExperimentInfo complete(long id) {
        return move(id, ExperimentState.COMPLETE, "experiment complete");
    }

    /** Any unfinished state -> FAILED with the reason in the event log; unfinished trials fail too. */
    public ExperimentInfo fail(long id, String reason) {
        ExperimentInfo failed = move(id, ExperimentState.FAILED, "experiment failed: " + reason);
        trials.failUnfinished(id, "experiment failed: " + reason);
        return failed;
    }

    /**
     * Deletes a finished (COMPLETE, FAILED or CANCELLED) experiment: its row, trials, metrics, evaluations, events
     * and checkpoints, then every file under {@code experiments/<id>} in the artifact store. Its dataset can be
     * deleted afterwards. An unfinished one is refused ({@link IllegalTransitionException}: cancel it first).
     */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public DeletedExperiment delete(long id) {
        DeletedExperiment deleted = retryingDeadlocks(() -> deleteRows(id));
        // After the commit, so a failed delete leaves every file its rows point to. A process dying right here
        // leaves files without rows under experiments/<id>, which nothing reads.
        try {
            artifacts.deleteAll("experiments/" + id);
        } catch (IOException | RuntimeException ex) {
            log.warn("experiment {} deleted, but not all of its files under experiments/{} in the artifact store: {}",
                    id, id, ex.getMessage());
        }
        log.info("experiment deleted experiment={} name=\"{}\" trials={} checkpoint_files={} bytes={}", id,
                deleted.name(), deleted.trials(), deleted.checkpointFiles(), deleted.checkpointBytes());
        return deleted;
    }

    /**
     * Runs {@code work} in a transaction of its own, again (three times in all) when PostgreSQL aborts it in a
     * deadlock. Cancel and delete lock the experiment, then its trials; a worker re-queueing a silent trial, or
     * saving a checkpoint, locks the same rows in the other order, and one of the two is aborted: the worker's
     * step fails on the changed trial, ours goes through on the next try.
     */
    private <T> T retryingDeadlocks(Supplier<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction.execute(status -> work.get());
            } catch (PessimisticLockingFailureException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private DeletedExperiment deleteRows(long id) {
        ExperimentEntity e = lock(id);
        if (!e.state.isFinished()) {
            throw new IllegalTransitionException("experiment " + id + " (" + e.name + ") is " + e.state
                    + "; only a finished experiment can be deleted: cancel it first");
        }
        List<Long> trialIds = experiments.lockTrials(id);
        Object[] totals = experiments.checkpointTotals(id).get(0);
        DeletedExperiment d = new DeletedExperiment(id, e.name, trialIds.size(), ((Number) totals[0]).longValue(),
                ((Number) totals[1]).longValue());
        experiments.delete(e);   // the database cascades to trials, metrics, checkpoints, events, settings
        experiments.flush();
        return d;
    }

    private ExperimentInfo move(long id, ExperimentState next, String message) {
        ExperimentEntity e = lock(id);
        e.moveTo(next, experiments.databaseNow());
        experiments.flush();
        events.log(id, null, next == ExperimentState.FAILED ? EventLevel.ERROR : EventLevel.INFO, message);
        return e.toInfo();
    }

    private ExperimentEntity lock(long id) {
        return experiments.lockById(id).orElseThrow(() -> new NotFoundException("experiment", id));
    }
}
