package dev.templatelab.tuning.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.storage.IllegalTransitionException;
import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.config.DatabaseErrors;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.events.EventLevel;
import dev.templatelab.storage.events.EventService;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.trials.TrialResult;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.TrainingJob;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.fit.BestEpoch;
import dev.templatelab.training.fit.Decision;
import dev.templatelab.training.fit.EpochMetrics;
import dev.templatelab.training.fit.TrainingContext;
import dev.templatelab.training.fit.TrainingDivergedException;
import dev.templatelab.training.hyper.InvalidHyperparametersException;
import dev.templatelab.training.fit.TrainingListener;
import dev.templatelab.training.fit.TrainingOutcome;
import dev.templatelab.tuning.study.Objective;
import dev.templatelab.tuning.study.Trial;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs one claimed trial as a {@link TrainingJob} on the experiment's dataset with the sampled hyperparameters.
 * While it trains: a heartbeat every few seconds (which also notices a cancelled or paused experiment or a lost
 * lease), and after every epoch its metrics written to the database (flushed, so none is lost), its checkpoint
 * put in the artifact store (where any worker can resume it) and the pruner asked. At the end: the best
 * checkpoint and evaluation recorded and the trial COMPLETE or PRUNED; on an error it is re-queued until
 * {@link TuningSettings#maxAttempts()} claims were used, then FAIL with the error kept.
 *
 * <p>Order per epoch: the lease checked (a worker whose trial was taken over writes nothing), metrics, the
 * pruner's verdict, the checkpoint (marked judged when the verdict is to train on), then the verdict carried out. A
 * worker killed before the checkpoint leaves the epoch's metrics without it; the next worker resumes from the
 * previous epoch, trains this one again and its re-sent metrics are ignored ({@code ON CONFLICT DO NOTHING}): no
 * row lost, none duplicated. One killed after the checkpoint of an epoch whose verdict it did not carry out (a
 * hold) leaves it unmarked, and the next worker asks again before training on. An epoch whose metrics were written
 * gets its checkpoint even if the experiment was cancelled meanwhile, and the CANCELLED trial's best epoch and value
 * are then taken again from its best checkpoint: what it reports is what it hands over.
 */
@Component
public class TrialRunner {

    private static final Logger log = LoggerFactory.getLogger(TrialRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExperimentService experiments;
    private final TrialService trials;
    private final CheckpointService checkpoints;
    private final EventService events;
    private final DatasetService datasets;
    private final DatasetCopies datasetCopies;
    private final WeightsCopies weightsCopies;
    private final ExperimentStudies studies;
    private final StorageLocations locations;
    private final ScheduledExecutorService heartbeats = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "templatelab-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private final WorkerSettings settings;

    TrialRunner(ExperimentService experiments, TrialService trials, CheckpointService checkpoints, EventService events,
                DatasetService datasets, DatasetCopies datasetCopies, WeightsCopies weightsCopies,
                ExperimentStudies studies, StorageLocations locations,
                org.springframework.core.env.Environment env) {
        this.experiments = experiments;
        this.trials = trials;
        this.checkpoints = checkpoints;
        this.events = events;
        this.datasets = datasets;
        this.datasetCopies = datasetCopies;
        this.weightsCopies = weightsCopies;
        this.studies = studies;
        this.locations = locations;
        this.settings = WorkerSettings.from(env);
    }

    /**
     * Time this runner spent since it started, summed over trials and threads: whole trials, and the parts
     * that are orchestration rather than training (what {@code bench/tuning} reports).
     */
    public record Timings(long trialNanos, long metricNanos, long heartbeatNanos, long pruneNanos, long checkpointNanos) {
    }

    private final java.util.concurrent.atomic.AtomicLong trialNanos = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong metricNanos = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong heartbeatNanos = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong pruneNanos = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong checkpointNanos = new java.util.concurrent.atomic.AtomicLong();
    /** System.nanoTime() of the last failed attempt to reach the database; 0: none yet. */
    private final java.util.concurrent.atomic.AtomicLong lastOutageNanos = new java.util.concurrent.atomic.AtomicLong();
    /** System.nanoTime() of each running trial's first failed heartbeat since its last good one. */
    private final Map<Long, Long> heartbeatOutages = new java.util.concurrent.ConcurrentHashMap<>();

    /** The time spent so far. */
    public Timings timings() {
        return new Timings(trialNanos.get(), metricNanos.get(), heartbeatNanos.get(), pruneNanos.get(), checkpointNanos.get());
    }

    /** How a run ended, for the worker's log and tests. */
    public enum Result { COMPLETE, PRUNED, HELD, RETRY, FAIL, RELEASED, DROPPED }

    /** Runs the trial to its end (or until {@code control} stops it) and records the outcome. */
    public Result run(Assignment a, TrialControl control) {
        ScheduledFuture<?> beat = heartbeats.scheduleAtFixedRate(() -> heartbeat(a, control),
                settings.heartbeatInterval().toMillis(), settings.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
        Path dir = locations.home().resolve("work").resolve("tuning").resolve("experiment-" + a.experiment().id())
                .resolve("trial-" + a.trial().number() + "-attempt-" + a.lease().attempt() + "-" + a.lease().workerId()
                        .replaceAll("[^A-Za-z0-9._-]", "_"));
        long started = System.nanoTime();
        try {
            Result result = train(a, control, dir);
            if (result == Result.DROPPED) {
                // However the trial was dropped (stopped by a cancel, or a hold, prune, completion or retry that found
                // it CANCELLED), its best epoch and value follow any checkpoint stored after the cancel. No-op if the
                // trial is not CANCELLED.
                settleCancelled(a);
            }
            return result;
        } finally {
            trialNanos.addAndGet(System.nanoTime() - started);
            beat.cancel(false);
            heartbeatOutages.remove(a.trialId());
            Folders.deleteQuietly(dir);
        }
    }

    private Result train(Assignment a, TrialControl control, Path dir) {
        TuningSettings tuning = studies.settings(a.experiment());
        Objective objective = studies.objective(a.experiment());
        TrainingJob.Result result;
        if (a.origin() == Assignment.Origin.REQUEUED) {
            try {
                Optional<Result> judged = judgeCheckpointedEpoch(a);
                if (judged.isPresent()) {
                    return judged.get();
                }
            } catch (RuntimeException e) {
                if (DatabaseErrors.isConnectionProblem(e)) {
                    noteDatabaseOutage();
                    throw e;   // the trial stays RUNNING: another worker takes it up, as after finish() below
                }
                return failed(a, tuning, e);
            }
        }
        try {
            Files.createDirectories(dir);
            Path output = dir.resolve("model.tlckpt");
            Integer resumeAfter = a.origin() != Assignment.Origin.NEW ? restoreCheckpoints(a, output) : null;
            Map<String, String> overrides = new LinkedHashMap<>();
            a.trial().params().forEach((k, v) -> overrides.put(k, String.valueOf(v)));
            // The trial's best epoch, checkpoint and value are the objective's, not accuracy's.
            overrides.put("checkpoint_metric", objective.bestEpoch().id());
            DatasetInfo dataset = datasets.get(a.experiment().datasetId());
            Path data = datasetCopies.localSource(dataset);
            // The experiment's copy of the pretrained weights where this machine's registry lacks them (a resumed trial
            // starts from its checkpoint, not from the weights).
            TemplateLabHome home = resumeAfter != null ? new TemplateLabHome(locations.home())
                    : weightsCopies.homeFor(a.trial().template(), a.trial().params(), tuning.weightsCopies());
            TrainingJob.Request request = new TrainingJob.Request(a.trial().template(), data, overrides, output,
                    tuning.allowRandomInit(), resumeAfter != null, home, dataset.contentHash());
            try (PrintWriter trainingLog = new PrintWriter(Files.newBufferedWriter(dir.resolve("training.log")), true)) {
                result = TrainingJob.run(request, trainingLog, List.of(new EpochReporter(a, control, objective, output)),
                        control.token());
            }
        } catch (Throwable e) {
            // Errors too: native memory running out is an OutOfMemoryError, and the trial should say so rather than
            // go silent (its worker thread dead) and fail three takeovers later as "no heartbeat".
            if (control.reason() != null) {
                return release(a, control.reason());
            }
            Optional<TrainingDivergedException> diverged = cause(e, TrainingDivergedException.class);
            if (diverged.isPresent()) {
                return diverged(a, diverged.get());
            }
            Optional<InvalidHyperparametersException> invalid = cause(e, InvalidHyperparametersException.class);
            if (invalid.isPresent()) {
                return invalid(a, invalid.get());
            }
            if (cause(e, BestEpoch.NotMeasuredException.class).isPresent()) {
                return unusable(a, "objective map (mean average precision) is measured on multi-label data only (a CSV "
                        + "manifest with labels like 'cat;dog'); this dataset is single-label: tune it on accuracy or macro_f1");
            }
            return failed(a, tuning, e);
        }
        if (control.reason() != null || result.outcome().status() == TrainingOutcome.Status.CANCELLED) {
            return release(a, control.reason() == null ? TrialControl.StopReason.SHUTDOWN : control.reason());
        }
        try {
            return finish(a, control, objective, result);
        } catch (RuntimeException e) {
            if (DatabaseErrors.isConnectionProblem(e)) {
                noteDatabaseOutage();
                throw e;   // the trial stays RUNNING: another worker resumes it from its last epoch
            }
            return failed(a, tuning, e);   // e.g. the best checkpoint could not be stored: retried, error kept
        }
    }

    /**
     * The pruner's verdict on a re-queued trial's latest checkpointed epoch, unless one was carried out there: a
     * worker lost between storing a rung's checkpoint and holding the trial would otherwise let it skip that rung.
     * A verdict carried out is not asked again: a trial that passed a rung keeps its place. (A promoted trial is
     * never asked: its promotion was that verdict.) Empty: train on.
     */
    private Optional<Result> judgeCheckpointedEpoch(Assignment a) {
        Optional<CheckpointInfo> latest = checkpoints.latest(a.trialId());
        if (latest.isEmpty() || latest.get().judged()) {
            return Optional.empty();
        }
        var trial = a.storage().trial(a.trial().number());
        SortedMap<Integer, Double> curve = trial.intermediateValues();
        if (curve.isEmpty() || curve.lastKey() != latest.get().epoch()) {
            return Optional.empty();   // a later epoch's metrics: training that epoch again asks then
        }
        boolean mayHold = trial.plannedEpochs().isPresent() && curve.lastKey() < trial.plannedEpochs().getAsInt() - 1;
        return switch (a.trial().verdict(mayHold)) {
            case HOLD -> Optional.of(hold(a));
            case PRUNE -> {
                Integer bestEpoch = checkpoints.best(a.trialId()).map(CheckpointInfo::epoch).orElse(null);
                trials.prune(a.lease(), new TrialResult(curve.get(curve.lastKey()), bestEpoch, null, null));
                checkpoints.keepOnlyBest(a.experiment().id());
                events.log(a.experiment().id(), a.trialId(), EventLevel.INFO, "trial #" + a.trial().number()
                        + " pruned after " + curve.size() + " epoch(s), judged when it was taken up again");
                yield Optional.of(Result.PRUNED);
            }
            case CONTINUE -> {
                checkpoints.markJudged(a.trialId(), latest.get().epoch());
                yield Optional.empty();
            }
        };
    }

    /** Copies the trial's latest and best checkpoints from the artifact store; returns the epoch it resumes after. */
    private Integer restoreCheckpoints(Assignment a, Path output) throws IOException {
        Optional<CheckpointInfo> latest = checkpoints.latest(a.trialId());
        if (latest.isEmpty()) {
            return null;
        }
        copy(latest.get(), TrainingJob.lastCheckpoint(output));
        Optional<CheckpointInfo> best = checkpoints.best(a.trialId());
        if (best.isPresent()) {
            copy(best.get(), output);
        }
        int epoch = latest.get().epoch();
        events.log(a.experiment().id(), a.trialId(), EventLevel.INFO, "trial #" + a.trial().number()
                + " resumes after " + (epoch + 1) + " epoch(s) from its checkpoint on worker " + a.lease().workerId()
                + " (attempt " + a.lease().attempt() + ")");
        log.info("trial resumed experiment={} trial={} number={} after_epochs={} worker={}", a.experiment().id(),
                a.trialId(), a.trial().number(), epoch + 1, a.lease().workerId());
        return epoch;
    }

    private void copy(CheckpointInfo checkpoint, Path target) throws IOException {
        try (InputStream in = checkpoints.open(checkpoint.id())) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private Result finish(Assignment a, TrialControl control, Objective objective, TrainingJob.Result result) {
        long trialId = a.trialId();
        if (!stillOurs(control, () -> trials.heartbeat(a.lease()))) {
            return Result.DROPPED;   // taken over meanwhile: its best checkpoint and state are the other worker's
        }
        Integer bestEpoch = null;
        try {
            if (result.sha256() != null) {
                bestEpoch = Checkpoints.readMetadata(result.checkpoint()).epoch() - 1;
                checkpoints.save(trialId, bestEpoch, result.checkpoint(), true);
            }
            if (result.evaluation() != null) {
                JsonNode evaluation = JSON.readTree(result.evaluation().toJson());
                trials.recordEvaluation(trialId, evaluation.path("perClass").toString(),
                        evaluation.path("confusionMatrix").isMissingNode() ? "null" : evaluation.path("confusionMatrix").toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not store the result of trial " + trialId + ": " + e.getMessage(), e);
        }
        SortedMap<Integer, Double> curve = a.storage().trial(a.trial().number()).intermediateValues();
        if (result.outcome().status() == TrainingOutcome.Status.PRUNED) {
            trials.prune(a.lease(), new TrialResult(curve.isEmpty() ? null : curve.get(curve.lastKey()), bestEpoch, null, null));
            // Once a trial has ended nothing resumes it, so only its best checkpoint (what the pages offer for
            // download) is kept: the latest epoch's, kept for resuming, would otherwise double the store's size
            // (ResNet-50 with its optimizer state: ~300 MB a file). One statement trims this trial and any other of
            // the experiment that ended.
            checkpoints.keepOnlyBest(a.experiment().id());
            return Result.PRUNED;
        }
        Double value = bestEpoch != null ? curve.get(bestEpoch) : null;
        if (value == null || value.isNaN()) {
            value = curve.values().stream().filter(v -> !v.isNaN())
                    .min((x, y) -> objective.direction().compareBestFirst(x, y)).orElse(null);
        }
        if (value == null) {
            trials.fail(a.lease(), "the trial produced no " + objective.metric().id() + " (is the validation split empty?)", null);
            return Result.FAIL;
        }
        trials.complete(a.lease(), new TrialResult(value, bestEpoch, null, null));
        checkpoints.keepOnlyBest(a.experiment().id());   // as for a pruned trial, above
        return Result.COMPLETE;
    }

    /**
     * Whether this worker still holds the trial. Asked of the database ({@code askDatabase}) only when no heartbeat
     * confirmed it within half the grace (a worker cut off from the database, which another may have replaced
     * meanwhile): otherwise no takeover can have happened, and an epoch costs no extra round trip.
     */
    private boolean stillOurs(TrialControl control, java.util.function.BooleanSupplier askDatabase) {
        if (control.leaseConfirmedWithin(settings.heartbeatGrace().dividedBy(2))) {
            return true;
        }
        long started = System.nanoTime();
        try {
            boolean ours = askDatabase.getAsBoolean();
            if (ours) {
                control.leaseConfirmed();
            }
            return ours;
        } finally {
            heartbeatNanos.addAndGet(System.nanoTime() - started);
        }
    }

    /** Records that this process could not reach the database just now (see {@link #databaseOutageWithin}). */
    void noteDatabaseOutage() {
        lastOutageNanos.set(System.nanoTime());
    }

    /**
     * Whether this process found the database unreachable within {@code window}: then other workers' trials may
     * look silent only because their heartbeats could not get through either, and are not yet taken over.
     */
    boolean databaseOutageWithin(java.time.Duration window) {
        long last = lastOutageNanos.get();
        return last != 0 && System.nanoTime() - last < window.toNanos();
    }

    private Result failed(Assignment a, TuningSettings tuning, Throwable error) {
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        String firstLine = error.getMessage() == null ? error.getClass().getName() : error.getMessage().lines().findFirst().orElse("");
        if (!trials.heartbeat(a.lease())) {
            return Result.DROPPED;
        }
        if (a.lease().attempt() < tuning.maxAttempts()) {
            java.time.Duration delay = settings.retryDelayAfter(a.lease().attempt());
            try {
                trials.requeue(a.trialId(), delay);
            } catch (IllegalTransitionException cancelled) {   // cancelled since the heartbeat above: not ours to retry
                return Result.DROPPED;
            }
            events.log(a.experiment().id(), a.trialId(), EventLevel.WARN, "trial #" + a.trial().number() + " failed on attempt "
                    + a.lease().attempt() + " of " + tuning.maxAttempts() + ", retrying: " + firstLine
                    + " (claimable again in " + delay.toSeconds() + " s)");
            log.warn("trial failed, retrying experiment={} trial={} number={} attempt={} max_attempts={} retry_in_s={} "
                    + "error=\"{}\"", a.experiment().id(), a.trialId(), a.trial().number(), a.lease().attempt(),
                    tuning.maxAttempts(), delay.toSeconds(), firstLine);
            return Result.RETRY;
        }
        // The first line says why (what lists and the CLI show); the trace follows for whoever needs it.
        trials.fail(a.lease(), "failed on each of " + tuning.maxAttempts() + " attempts; last error: " + firstLine + "\n"
                + trace, null);
        log.warn("trial failed experiment={} trial={} number={} attempts={} error=\"{}\"", a.experiment().id(),
                a.trialId(), a.trial().number(), tuning.maxAttempts(), firstLine);
        return Result.FAIL;
    }

    /**
     * A trial whose loss became NaN/infinite ends as FAIL at once, without retries: the same hyperparameters and
     * seed diverge again, so a retry only wastes epochs. FAIL rather than PRUNED: no pruner judged it and it has
     * no objective value (a PRUNED trial keeps its last value and TPE ranks it among the observations); TPE and
     * the reports ignore FAIL trials, as Optuna does. The epochs it reported before diverging stay in its curve.
     */
    private Result diverged(Assignment a, TrainingDivergedException e) {
        return failWithoutRetry(a, e.getMessage() + " (not retried: the same hyperparameters and seed diverge again)",
                "trial diverged");
    }

    /**
     * Sampled values that cannot train together (validation and test fractions holding out every image): FAIL at once,
     * as a retry draws the same values. The launch refuses a space where every point is such.
     */
    private Result invalid(Assignment a, InvalidHyperparametersException e) {
        return failWithoutRetry(a, e.getMessage() + " (not retried: these hyperparameters fail again)",
                "trial hyperparameters cannot train together");
    }

    private Result failWithoutRetry(Assignment a, String error, String what) {
        if (!trials.heartbeat(a.lease())) {
            return Result.DROPPED;
        }
        trials.fail(a.lease(), error, null);
        log.warn("{} experiment={} trial={} number={} params={} error=\"{}\"", what, a.experiment().id(), a.trialId(),
                a.trial().number(), a.trial().params(), error);
        return Result.FAIL;
    }

    /** The objective is not measured on this data (mAP on single-label data): every trial would fail alike, so the experiment fails. */
    private Result unusable(Assignment a, String message) {
        if (!trials.heartbeat(a.lease())) {
            return Result.DROPPED;
        }
        trials.fail(a.lease(), message, null);
        experiments.fail(a.experiment().id(), message);
        log.warn("experiment failed experiment={} error=\"{}\"", a.experiment().id(), message);
        return Result.FAIL;
    }

    private static <T extends Throwable> Optional<T> cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }

    /**
     * A trial stopped before its end: held at a rung by ASHA; paused or shutting down puts it back in the queue
     * without using up an attempt; otherwise it is not ours (if it was cancelled, whether the heartbeat said so or an
     * epoch's lease check, it gets its best epoch from the checkpoints this worker stored, perhaps after the cancel).
     */
    private Result release(Assignment a, TrialControl.StopReason reason) {
        if (reason == TrialControl.StopReason.HELD) {
            return hold(a);
        }
        if ((reason == TrialControl.StopReason.PAUSED || reason == TrialControl.StopReason.SHUTDOWN)
                && trials.release(a.lease())) {
            events.log(a.experiment().id(), a.trialId(), EventLevel.INFO, "trial #" + a.trial().number() + " released by "
                    + a.lease().workerId() + " (" + (reason == TrialControl.StopReason.PAUSED ? "experiment paused"
                    : "worker shutting down") + "); it resumes from its last epoch checkpoint");
            return Result.RELEASED;
        }
        return Result.DROPPED;   // run() settles it if it was cancelled
    }

    /**
     * If the trial was cancelled: only its best checkpoint kept (this worker may have stored one after the cancel), its
     * best epoch and value again from it; nothing otherwise. Best effort: the cancel recorded them from the checkpoints
     * stored by then, and each checkpoint stored since moved them on ({@code CheckpointService.save}).
     */
    private void settleCancelled(Assignment a) {
        try {
            if (trials.settleCancelled(a.trialId())) {
                checkpoints.keepOnlyBest(a.experiment().id());
            }
        } catch (RuntimeException e) {
            log.warn("could not record the cancelled trial's best checkpoint experiment={} trial={} number={} error=\"{}\"",
                    a.experiment().id(), a.trialId(), a.trial().number(), e.getMessage());
        }
    }

    /** The pruner paused the trial at a rung: HELD with its value so far; its epoch checkpoint is already stored. */
    private Result hold(Assignment a) {
        SortedMap<Integer, Double> curve = a.storage().trial(a.trial().number()).intermediateValues();
        Double last = curve.isEmpty() ? null : curve.get(curve.lastKey());
        try {
            // The hold and its mark on the epoch's checkpoint in one transaction: promoted and re-queued, the trial
            // is not held at this rung again.
            trials.hold(a.lease(), new TrialResult(last, null, null, null), curve.isEmpty() ? null : curve.lastKey());
        } catch (RuntimeException e) {
            log.warn("could not hold trial experiment={} trial={} number={} error=\"{}\"", a.experiment().id(), a.trialId(),
                    a.trial().number(), e.getMessage());
            return Result.DROPPED;
        }
        events.log(a.experiment().id(), a.trialId(), EventLevel.INFO, "trial #" + a.trial().number() + " held after "
                + curve.size() + " epoch(s): not among the best at this rung yet; it runs on if later trials rank below it"
                + (a.experiment().budget().maxTotalEpochs() == null ? "" : ", or to spend what is left of the epoch budget"));
        return Result.HELD;
    }

    private void heartbeat(Assignment a, TrialControl control) {
        long started = System.nanoTime();
        try {
            if (!trials.heartbeat(a.lease())) {
                ExperimentState state = experiments.get(a.experiment().id()).state();
                control.stop(state.isFinished() ? TrialControl.StopReason.EXPERIMENT_ENDED : TrialControl.StopReason.LEASE_LOST);
                return;
            }
            control.leaseConfirmed();
            Long outage = heartbeatOutages.remove(a.trialId());
            if (outage != null) {   // the warnings below get their ending, so a reader knows it is over
                log.info("heartbeat through, database reachable again after {} s experiment={} trial={} number={}",
                        (System.nanoTime() - outage) / 1_000_000_000L, a.experiment().id(), a.trialId(), a.trial().number());
            }
            ExperimentState state = experiments.get(a.experiment().id()).state();
            if (state == ExperimentState.PAUSED) {
                control.stop(TrialControl.StopReason.PAUSED);
            } else if (state.isFinished()) {
                control.stop(TrialControl.StopReason.EXPERIMENT_ENDED);
            }
        } catch (NotFoundException deleted) {
            control.stop(TrialControl.StopReason.EXPERIMENT_ENDED);   // the experiment was deleted
        } catch (RuntimeException e) {
            if (DatabaseErrors.isConnectionProblem(e)) {
                noteDatabaseOutage();
            }
            heartbeatOutages.putIfAbsent(a.trialId(), System.nanoTime());
            log.warn("heartbeat failed, database unreachable? retrying experiment={} trial={} number={} error=\"{}\"",
                    a.experiment().id(), a.trialId(), a.trial().number(), e.getMessage());
        } finally {
            heartbeatNanos.addAndGet(System.nanoTime() - started);
        }
    }

    /** After each epoch: metrics (flushed), checkpoint, prune decision. */
    private final class EpochReporter implements TrainingListener {
        private final Assignment a;
        private final TrialControl control;
        private final BestEpoch rule;
        private final Path last;
        /** The best epoch so far by training's own rule, so the checkpoint kept as best is the one training keeps. */
        private EpochMetrics best;

        EpochReporter(Assignment a, TrialControl control, Objective objective, Path output) throws IOException {
            this.a = a;
            this.control = control;
            this.rule = objective.bestEpoch();
            this.last = TrainingJob.lastCheckpoint(output);
            this.best = Files.exists(output) ? TrainingJob.epochOf(output) : null;   // restored with a resumed trial
        }

        @Override
        public Decision onEpoch(TrainingContext context, EpochMetrics m) {
            // A worker that lost its lease (cut off long enough for another to take the trial over) writes nothing
            // more: its epoch's metrics or checkpoint would land in the trial the other worker now runs.
            if (!stillOurs(control, () -> whenReachable("heartbeat", () -> trials.heartbeat(a.lease())))) {
                control.stop(TrialControl.StopReason.LEASE_LOST);
                return Decision.STOP;
            }
            long t0 = System.nanoTime();
            dev.templatelab.storage.metrics.EpochMetrics row = new dev.templatelab.storage.metrics.EpochMetrics(m.epoch(),
                    finite(m.trainLoss()), finite(m.validationLoss()), finite(m.validationAccuracy()),
                    finite(m.validationMacroF1()), finite(m.learningRate()), finite(m.imagesPerSecond()),
                    finite(m.validationMap()));
            whenReachable("epoch " + (m.epoch() + 1) + " metrics", () -> {
                trials.reportEpoch(a.trialId(), row);   // a re-sent row is ignored, so retrying is safe
                trials.flushMetrics();
                return null;
            });
            long t1 = System.nanoTime();
            metricNanos.addAndGet(t1 - t0);
            boolean isBest = best == null || rule.isBetter(m, best);
            if (isBest) {
                best = m;
            }
            // The verdict comes before the checkpoint, which records a verdict to train on (a hold is recorded once
            // the trial is HELD): a worker taking the trial up again judges its latest epoch only if no verdict was
            // carried out there (lost in between), and never twice.
            // The last epoch completes the trial; before it, ASHA may pause the trial at a rung.
            boolean mayHold = m.epoch() < context.epochs() - 1;
            Trial.Verdict verdict = whenReachable("prune decision", () -> verdictUnlessCancelled(mayHold));
            long t2 = System.nanoTime();
            pruneNanos.addAndGet(t2 - t1);
            whenReachable("epoch " + (m.epoch() + 1) + " checkpoint", () -> {
                // Stored after a cancel too: the epoch's metrics are recorded, and its checkpoint goes with them.
                checkpoints.save(a.trialId(), m.epoch(), last, isBest, verdict == Trial.Verdict.CONTINUE);   // replaces the epoch's row if retried
                for (CheckpointInfo old : checkpoints.list(a.trialId())) {
                    if (old.epoch() < m.epoch() && !old.best()) {
                        checkpoints.delete(old.id());   // only the latest and the best are needed
                    }
                }
                return null;
            });
            checkpointNanos.addAndGet(System.nanoTime() - t2);
            // No second lease check here: holding, pruning and completing each require the lease, and a trial that
            // continues checks it before its next epoch's writes.
            if (verdict == null) {
                control.stop(TrialControl.StopReason.EXPERIMENT_ENDED);
                return Decision.STOP;
            }
            return switch (verdict) {
                case PRUNE -> Decision.PRUNE;
                case HOLD -> {
                    control.stop(TrialControl.StopReason.HELD);
                    yield Decision.STOP;
                }
                case CONTINUE -> Decision.CONTINUE;
            };
        }

        /**
         * The pruner's verdict on this epoch, or null when the experiment was cancelled since the epoch began (the
         * trial is CANCELLED, so the pruner will not judge it): the worker then stores the epoch's checkpoint and stops.
         */
        private Trial.Verdict verdictUnlessCancelled(boolean mayHold) {
            try {
                return a.trial().verdict(mayHold);
            } catch (IllegalStateException ended) {
                if (trials.get(a.trialId()).state() == TrialState.CANCELLED) {
                    return null;
                }
                throw ended;
            }
        }

        /**
         * Runs one database step of an epoch report, waiting out an unreachable database (a PostgreSQL restart or
         * failover) with growing pauses up to 30 s instead of failing the trial and losing the epoch. Other errors,
         * and any error once the trial has been told to stop, are thrown as before.
         */
        private <T> T whenReachable(String what, java.util.function.Supplier<T> step) {
            long pauseMillis = 500;
            long outageStarted = 0;
            while (true) {
                try {
                    T done = step.get();
                    if (outageStarted != 0) {   // the warnings above get their ending, so a reader knows it is over
                        log.info("{} done, database reachable again after {} s experiment={} trial={} number={}", what,
                                (System.nanoTime() - outageStarted) / 1_000_000_000L, a.experiment().id(), a.trialId(),
                                a.trial().number());
                    }
                    return done;
                } catch (RuntimeException e) {
                    if (!DatabaseErrors.isConnectionProblem(e) || control.reason() != null) {
                        throw e;
                    }
                    noteDatabaseOutage();
                    outageStarted = outageStarted != 0 ? outageStarted : System.nanoTime();
                    log.warn("{} failed, database unreachable; retrying in {} ms experiment={} trial={} number={} "
                            + "error=\"{}\"", what, pauseMillis, a.experiment().id(), a.trialId(), a.trial().number(),
                            e.getMessage());
                    try {
                        Thread.sleep(pauseMillis);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                    pauseMillis = Math.min(pauseMillis * 2, 30_000);
                }
            }
        }
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
