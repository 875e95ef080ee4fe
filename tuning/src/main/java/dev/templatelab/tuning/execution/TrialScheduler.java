package dev.templatelab.tuning.execution;

import dev.templatelab.storage.IllegalTransitionException;
import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.config.DatabaseErrors;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.events.EventLevel;
import dev.templatelab.storage.events.EventService;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentRow;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.trials.ClaimedTrial;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.storage.trials.TrialStats;
import dev.templatelab.tuning.study.Study;
import dev.templatelab.tuning.study.Trial;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Hands a worker its next trial, with no coordinator but the database: first a WAITING trial of a running
 * tuner experiment (one re-queued after a lost worker, a retry, a paused one), claimed with {@code SKIP LOCKED};
 * otherwise, while holding that experiment's row lock (so workers on any number of machines never exceed its
 * trial budget or its parallelism), a HELD trial the pruner promotes (ASHA, or to spend an epoch budget once no
 * new trial may start: {@link Study#promotion}), or else a new trial asked from its sampler. Also marks an
 * experiment COMPLETE once its budget is used up and its last trial ended, pruning the trials still HELD that no
 * promotion can reach any more.
 */
@Component
public class TrialScheduler {

    private static final Logger log = LoggerFactory.getLogger(TrialScheduler.class);

    private final ExperimentService experiments;
    private final TrialService trials;
    private final ExperimentStudies studies;
    private final EventService events;
    private final TransactionTemplate transaction;
    private final DatasetService datasets;
    private final DatasetCopies datasetCopies;
    private final CheckpointService checkpoints;
    /** Experiments this process already said it cannot read the dataset of (said once, not every poll). */
    private final Set<Long> unreadableDatasets = ConcurrentHashMap.newKeySet();
    /** Experiments this process could not schedule (said once). */
    private final Set<Long> brokenExperiments = ConcurrentHashMap.newKeySet();

    /**
     * Which experiments this process's workers run: every one, or for {@code tune} (property
     * {@value #OWN_EXPERIMENT_ONLY}) only the one it launched ({@link #runOnly}), none before.
     */
    private volatile LongPredicate runs;

    /** Set by {@code tune}: an older experiment left RUNNING (an interrupted tune) must not hold up its own. */
    public static final String OWN_EXPERIMENT_ONLY = "templatelab.scheduler.own-experiment-only";

    TrialScheduler(ExperimentService experiments, TrialService trials, ExperimentStudies studies, EventService events,
                   DatasetService datasets, DatasetCopies datasetCopies, CheckpointService checkpoints,
                   PlatformTransactionManager transactions, Environment env) {
        this.runs = env.getProperty(OWN_EXPERIMENT_ONLY, Boolean.class, false) ? id -> false : id -> true;
        this.checkpoints = checkpoints;
        this.experiments = experiments;
        this.datasets = datasets;
        this.datasetCopies = datasetCopies;
        this.trials = trials;
        this.studies = studies;
        this.events = events;
        this.transaction = new TransactionTemplate(transactions);
    }

    /** From now on this process's workers take trials of {@code experimentId} only. */
    public void runOnly(long experimentId) {
        runs = id -> id == experimentId;
    }

    /** The next trial for {@code workerId}, or empty when no experiment has work. */
    public Optional<Assignment> next(String workerId) {
        return next(workerId, false);
    }

    /**
     * The next trial for {@code workerId}; with {@code skipUnreadableDatasets} (a {@code worker} process, perhaps
     * on a machine without the dataset's folder) only of experiments whose images this machine can read.
     */
    public Optional<Assignment> next(String workerId, boolean skipUnreadableDatasets) {
        LongPredicate ours = runs;
        List<ExperimentInfo> active = active().stream().filter(e -> ours.test(e.id()))
                .filter(e -> !skipUnreadableDatasets || datasetReadableHere(e, workerId)).toList();
        for (ExperimentInfo e : active) {
            Optional<Assignment> waiting = unlessBroken(e, () -> transaction.execute(status -> claimWaiting(e.id(), workerId)));
            if (waiting.isPresent()) {
                return waiting;
            }
        }
        for (ExperimentInfo e : active) {
            Optional<Assignment> fresh = unlessBroken(e, () -> transaction.execute(status -> askNew(e.id(), workerId)));
            if (fresh.isPresent()) {
                return fresh;
            }
        }
        return Optional.empty();
    }

    /**
     * Runs one experiment's part of a claim; an error that is not the database's (unreadable settings, a sampler
     * failing on its trials) skips that experiment, said once in its events, instead of stopping every worker from
     * reaching the experiments after it.
     */
    private Optional<Assignment> unlessBroken(ExperimentInfo e, java.util.function.Supplier<Optional<Assignment>> claim) {
        try {
            Optional<Assignment> claimed = claim.get();
            if (claimed.isPresent()) {
                brokenExperiments.remove(e.id());   // working again: a later failure is said again
            }
            return claimed;
        } catch (RuntimeException error) {
            if (DatabaseErrors.isConnectionProblem(error)) {
                throw error;
            }
            if (error instanceof NotFoundException || error instanceof TransientDataAccessException) {
                // Deleted meanwhile, or a lock conflict with another worker: nothing to report, next poll retries.
                log.debug("experiment {} skipped this round: {}", e.id(), error.toString());
                return Optional.empty();
            }
            if (brokenExperiments.add(e.id())) {
                log.error("cannot schedule experiment={} name=\"{}\"; skipping it", e.id(), e.name(), error);
                try {
                    events.log(e.id(), null, EventLevel.ERROR, "workers cannot start this experiment's trials: "
                            + error + "; they try again on every poll, and other experiments go on (see the worker's "
                            + "log for the stack trace)");
                } catch (RuntimeException notLogged) {
                    log.warn("could not record that in the experiment's events: {}", notLogged.toString());
                }
            }
            return Optional.empty();
        }
    }

    /** Marks finished every active experiment whose budget is used up and whose trials all ended. */
    public void completeFinished() {
        for (ExperimentInfo e : active()) {
            unlessBroken(e, () -> {
                completeIfDone(e.id());
                return Optional.empty();
            });
        }
    }

    /**
     * Marks the experiment COMPLETE if no trial is waiting or running and no new one may start; then only each
     * trial's best checkpoint is kept.
     */
    public boolean completeIfDone(long experimentId) {
        boolean completed = Boolean.TRUE.equals(transaction.execute(status -> {
            ExperimentInfo e = experiments.lockForUpdate(experimentId);
            if (e.state() != ExperimentState.RUNNING) {
                return false;
            }
            TrialStats stats = trials.stats(experimentId);
            if (stats.count(TrialState.WAITING) + stats.count(TrialState.RUNNING) > 0) {
                return false;
            }
            Study study = studies.open(e, studies.storage(e, "scheduler"));
            Optional<String> reason = study.stopReason();
            if (reason.isEmpty() || promotion(e, study, stats).isPresent()) {
                return false;
            }
            try {
                int pruned = trials.pruneHeld(experimentId);
                if (pruned > 0) {
                    events.log(experimentId, null, EventLevel.INFO, pruned + " trial(s) still held at a rung were pruned: "
                            + "the search ended (" + reason.get() + ") without promoting them");
                }
                experiments.complete(experimentId);
                log.info("experiment complete experiment={} name=\"{}\" reason=\"{}\"", e.id(), e.name(), reason.get());
                return true;
            } catch (IllegalTransitionException raced) {
                return false;
            }
        }));
        if (completed) {
            checkpoints.keepOnlyBest(experimentId);   // best effort: the completion stands
        }
        return completed;
    }

    private Optional<Assignment> claimWaiting(long experimentId, String workerId) {
        if (!trials.hasClaimableWaiting(experimentId)) {   // none, or all in their retry delay: no lock taken
            return Optional.empty();
        }
        ExperimentInfo locked = experiments.lockForUpdate(experimentId);
        if (trials.stats(experimentId).count(TrialState.RUNNING) >= locked.parallelism()) {
            return Optional.empty();
        }
        Optional<ClaimedTrial> claimed = trials.claimNext(experimentId, workerId);
        if (claimed.isEmpty()) {
            return Optional.empty();
        }
        ClaimedTrial c = claimed.get();
        ExperimentInfo e = experiments.get(c.trial().experimentId());
        DbStudyStorage storage = studies.storage(e, workerId);
        storage.adopt(c);
        Study study = studies.open(e, storage);
        Trial trial = study.reopen(c.trial().number());
        return Optional.of(new Assignment(e, study, storage, trial, c.trial().id(), c.lease(), Assignment.Origin.REQUEUED));
    }

    private Optional<Assignment> askNew(long experimentId, String workerId) {
        ExperimentInfo e = experiments.lockForUpdate(experimentId);
        if (e.state() != ExperimentState.QUEUED && e.state() != ExperimentState.RUNNING) {
            return Optional.empty();
        }
        TrialStats stats = trials.stats(experimentId);
        if (stats.count(TrialState.RUNNING) >= e.parallelism()) {
            return Optional.empty();
        }
        DbStudyStorage storage = studies.storage(e, workerId);
        Study study = studies.open(e, storage);
        Optional<Study.Promotion> promotion = promotion(e, study, stats);
        if (promotion.isPresent()) {
            return Optional.of(promote(e, study, storage, promotion.get(), workerId));
        }
        if (study.stopReason().isPresent()) {
            return Optional.empty();
        }
        Trial trial = study.ask();
        long trialId = trials.find(experimentId, trial.number()).orElseThrow().id();
        return Optional.of(new Assignment(experiments.get(experimentId), study, storage, trial, trialId,
                storage.lease(trial.number()), Assignment.Origin.NEW));
    }

    /** The held trial to promote now, if any; reading every curve for that is only worth it when some trial is held. */
    private Optional<Study.Promotion> promotion(ExperimentInfo e, Study study, TrialStats stats) {
        return stats.count(TrialState.HELD) > 0 ? study.promotion() : Optional.empty();
    }

    /** ASHA's promotion: the HELD trial runs on from its checkpoint on this worker (same attempt, not a retry). */
    private Assignment promote(ExperimentInfo e, Study study, DbStudyStorage storage, Study.Promotion promotion,
                               String workerId) {
        int number = promotion.trial();
        long trialId = trials.find(e.id(), number).orElseThrow().id();
        int epochs = study.trial(number).reportedEpochs();
        ClaimedTrial claimed = trials.promote(trialId, workerId);
        storage.adopt(claimed);
        String why = switch (promotion.why()) {
            case AMONG_THE_BEST -> "it is now among the best at its rung";
            case FILLS_THE_EPOCH_BUDGET -> "no new trial may start, and it is the best held trial the epoch budget can "
                    + "still finish";
            case FINISHES_ONE_TRIAL -> "no new trial may start and no trial has trained to the end, so the best held "
                    + "trial does";
        };
        events.log(e.id(), trialId, EventLevel.INFO, "trial #" + number + " promoted after " + epochs
                + " epoch(s): " + why + "; it runs on from its checkpoint on " + workerId);
        log.info("trial promoted experiment={} trial={} number={} after_epochs={} why={} worker={}", e.id(),
                trialId, number, epochs, promotion.why(), workerId);
        return new Assignment(experiments.get(e.id()), study, storage, study.reopen(number), trialId, claimed.lease(),
                Assignment.Origin.PROMOTED);
    }

    /**
     * Whether this machine can get the experiment's images: at the dataset's path, or through its copy in this
     * process's artifact store ({@link DatasetCopies}). A worker that can do neither takes none of the experiment's
     * trials, instead of failing them for the workers that can, and says so once in the experiment's events.
     */
    private boolean datasetReadableHere(ExperimentInfo e, String workerId) {
        DatasetInfo dataset = datasets.get(e.datasetId());
        if (datasetCopies.reachable(dataset)) {
            return true;
        }
        Path data = Path.of(dataset.storageUri());
        if (unreadableDatasets.add(e.id())) {
            events.log(e.id(), null, EventLevel.WARN, "worker " + workerId + " cannot read the dataset at " + data
                    + (dataset.bundle() == null ? ", which has no copy in the artifact store (TEMPLATELAB_SHIP_TO_WORKERS was off, "
                    + "or the machine that launched it could not read it either)"
                    : ", nor its copy " + dataset.bundle().uri() + " (this worker uses another artifact store)")
                    + ", so it runs none of this experiment's trials; give it the server's artifact store at the same "
                    + "path, or the dataset's folder at that path, to let it help");
            log.warn("dataset not readable here, skipping experiment experiment={} path={} worker={}", e.id(), data,
                    workerId);
        }
        return false;
    }

    private List<ExperimentInfo> active() {
        List<ExperimentInfo> list = new ArrayList<>();
        for (ExperimentState s : List.of(ExperimentState.RUNNING, ExperimentState.QUEUED)) {
            experiments.list(s, Pageable.unpaged(Sort.by("id"))).forEach((ExperimentRow r) -> {
                if (studies.isTuned(r.experiment())) {   // experiments made by other tools are not ours to run
                    list.add(r.experiment());
                }
            });
        }
        return list;
    }
}
