package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.storage.artifacts.ArtifactStore;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.events.EventInfo;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.study.Study;
import dev.templatelab.tuning.testing.TinyDigits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

/** Workers running real (tiny) trials on the digits against the database. */
class TrialExecutionTest extends DigitsExperimentTest {

    @Autowired ArtifactStore artifacts;
    @Autowired StorageLocations locations;
    @Autowired DatasetCopies datasetCopies;
    @Autowired WeightsCopies weightsCopies;
    @Autowired ExperimentStudies studies;

    private ExperimentInfo launch(Path data, int trialsWanted, int epochs, String sampler, String pruner) {
        Map<String, Object> space = TinyDigits.space();
        space.put("lrate", Map.of("low", 0.01, "high", 0.1, "log", true));
        return launcher.launch(new ExperimentRequest(unique("exp"), newDataset(data).id(), List.of("Clarifai_InceptionV2"),
                sampler, pruner, trialsWanted, epochs, 2, "accuracy", space, null, 11L));
    }

    private List<TrialInfo> trialsOf(long experimentId) {
        return trials.page(experimentId, null, Pageable.unpaged(Sort.by("number"))).getContent();
    }

    @Test
    void aWorkerRunsEveryTrialAndCompletesTheExperiment() {
        ExperimentInfo e = launch(digits, 2, 2, "random", "none");
        TrialWorker w = worker("solo");
        for (int i = 0; i < 10 && experiments.get(e.id()).state() != ExperimentState.COMPLETE; i++) {
            w.workOnce();
        }
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
        List<TrialInfo> all = trialsOf(e.id());
        assertThat(all).hasSize(2).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
            assertThat(t.objectiveValue()).isBetween(0.0, 1.0);
            assertThat(metrics.curve(t.id())).extracting(r -> r.metrics().epoch()).containsExactly(0, 1);
            assertThat(checkpoints.best(t.id())).get().satisfies(c -> assertThat(c.epoch()).isEqualTo(t.bestEpoch()));
            assertThat(trials.evaluation(t.id())).isPresent();
        });
        // the two trials drew different learning rates from the seeded sampler
        assertThat(all.stream().map(t -> t.params().stream().filter(p -> p.name().equals("lrate")).findFirst()
                .orElseThrow().valueJson()).distinct()).hasSize(2);
    }

    /**
     * A {@code worker} process on a machine without the dataset's folder (here: a path that exists nowhere) takes
     * none of the experiment's trials instead of failing them, and says so once in the experiment's events. (The
     * server's own workers fail them instead, as {@link #aFailingTrialIsRetriedThenFailsWithItsErrorKept} shows.)
     */
    @Test
    void aWorkerProcessThatCannotReadTheDatasetLeavesTheExperimentAlone() {
        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("elsewhere"), newDataset(null).id(),
                List.of("Clarifai_InceptionV2"), "random", "none", 2, 1, 1, "accuracy", Map.of("image_size", 32), null, 1L));
        WorkerSettings local = WorkerSettings.from(env);
        TrialWorker w = new TrialWorker("far-away", scheduler, runner, trials, new WorkerSettings(local.workers(),
                "far-away", local.heartbeatInterval(), local.heartbeatGrace(), local.pollInterval(), local.nd4jThreads(),
                true, local.retryDelay()));
        w.workOnce();
        w.workOnce();
        assertThat(trialsOf(e.id())).as("no trial was created, so none failed").isEmpty();
        assertThat(events.recent(e.id(), 20)).extracting(EventInfo::message)
                .filteredOn(m -> m.contains("worker far-away cannot read the dataset at /nowhere/digits, which has no "
                        + "copy in the artifact store") && m.contains("so it runs none of this experiment's trials")).hasSize(1);
        launcher.cancel(e.id());
    }

    /**
     * Transfer-head tuning on real EmbedNorm trials: frozen blocks, head dropout, embedding size and scale are drawn
     * per trial and reach training (recorded in each trial's checkpoint with the other hyperparameters).
     */
    @Test
    void embedNormTrialsTuneTheirTransferHead() {
        Map<String, Object> space = new LinkedHashMap<>(Map.of("image_size", 64, "width_multiplier", 0.0625,
                "batch_size", 16, "validation_fraction", 0.3, "lrate", 0.05));
        space.put("frozen_blocks", List.of(3, 11));
        space.put("head_dropout", Map.of("low", 0.1, "high", 0.5));
        space.put("embedding_size", List.of(16, 32));
        space.put("cosine_scale", 8.0);
        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("transfer"), newDataset(digits).id(),
                List.of("Clarifai_InceptionTransferEmbedNorm"), "random", "none", 2, 1, 1,
                "accuracy", space, null, 4L, null, null, true, null));
        TrialWorker w = worker("transfer-worker");
        for (int i = 0; i < 5 && experiments.get(e.id()).state() != ExperimentState.COMPLETE; i++) {
            w.workOnce();
        }
        assertThat(trialsOf(e.id())).hasSize(2).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
            Map<String, Object> hp = checkpointHyperparameters(t);
            assertThat(hp.get("frozen_blocks")).isIn(3, 11);
            assertThat(((Number) hp.get("head_dropout")).doubleValue()).isBetween(0.1, 0.5);
            assertThat(hp.get("embedding_size")).isIn(16, 32);
            assertThat(hp).containsEntry("cosine_scale", 8.0);
        });
    }

    private Map<String, Object> checkpointHyperparameters(TrialInfo t) {
        CheckpointInfo best = checkpoints.best(t.id()).orElseThrow();
        try {
            Path file = java.nio.file.Files.createTempFile("best", ".tlckpt");
            try (var in = checkpoints.open(best.id())) {
                java.nio.file.Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return Checkpoints.readMetadata(file).hyperparameters();
            } finally {
                java.nio.file.Files.deleteIfExists(file);
            }
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /** Tuned on loss, a trial keeps its lowest-loss epoch: value, best epoch and kept checkpoint, not accuracy's. */
    @Test
    void aTrialTunedOnLossKeepsItsLowestLossEpochAndCheckpoint() {
        Map<String, Object> space = TinyDigits.space();
        space.put("lrate", 0.05);
        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("loss"), newDataset(digits).id(),
                List.of("Clarifai_InceptionV2"), "random", "none", 1, 3, 1, "loss", space, null, 11L));
        TrialWorker w = worker("loss-worker");
        for (int i = 0; i < 5 && experiments.get(e.id()).state() != ExperimentState.COMPLETE; i++) {
            w.workOnce();
        }
        TrialInfo t = trialsOf(e.id()).get(0);
        assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
        List<Double> losses = metrics.curve(t.id()).stream().map(r -> r.metrics().valLoss()).toList();
        int lowest = losses.indexOf(losses.stream().min(Double::compare).orElseThrow());
        assertThat(t.bestEpoch()).isEqualTo(lowest);
        assertThat(t.objectiveValue()).isEqualTo(losses.get(lowest));
        CheckpointInfo best = checkpoints.best(t.id()).orElseThrow();
        assertThat(best.epoch()).isEqualTo(lowest);
        assertThat(checkpointHyperparameters(t)).containsEntry("checkpoint_metric", "loss");
    }

    @Test
    void aFailingTrialIsRetriedThenFailsWithItsErrorKept() {
        ExperimentInfo e = launch(dir.resolve("no-such-folder"), 1, 1, "random", "none");
        TrialWorker w = worker("unlucky");
        assertThat(w.workOnce()).contains(TrialRunner.Result.RETRY);
        assertThat(w.workOnce()).contains(TrialRunner.Result.RETRY);
        assertThat(w.workOnce()).contains(TrialRunner.Result.FAIL);
        TrialInfo t = trialsOf(e.id()).get(0);
        assertThat(t.state()).isEqualTo(TrialState.FAIL);
        assertThat(t.attempts()).isEqualTo(3);
        assertThat(t.error()).contains("failed on each of 3 attempts").contains("no-such-folder");
        assertThat(events.ofTrial(t.id(), 20)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("failed on attempt 1 of 3, retrying"));
        assertThat(w.workOnce()).as("max trials reached, nothing new").isEmpty();
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
    }

    /**
     * A failed trial waits its retry delay before the next attempt, four times longer after each failure (here 1 h, then
     * 4 h; 5 s and 20 s by default), instead of being claimed again at once: a worker that cannot run it (another
     * artifact store, a passing fault) would otherwise use up every attempt within a second.
     */
    @Test
    void aFailedTrialWaitsItsRetryDelayBeforeTheNextAttempt() {
        ExperimentInfo e = launch(dir.resolve("no-such-folder"), 1, 1, "random", "none");
        org.springframework.mock.env.MockEnvironment settings = new org.springframework.mock.env.MockEnvironment();
        settings.setConversionService(new org.springframework.boot.convert.ApplicationConversionService());
        settings.setProperty(WorkerSettings.RETRY_DELAY_PROPERTY, "1h");
        TrialWorker w = new TrialWorker("patient", scheduler, runnerWith(settings), trials, WorkerSettings.from(env));

        assertThat(w.workOnce()).contains(TrialRunner.Result.RETRY);
        TrialInfo t = trialsOf(e.id()).get(0);
        assertThat(w.workOnce()).as("not claimable for an hour, and no new trial may start").isEmpty();
        assertThat(trials.get(t.id()).state()).isEqualTo(TrialState.WAITING);
        assertThat(hoursUntilClaimable(t.id())).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(events.ofTrial(t.id(), 20)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("failed on attempt 1 of 3, retrying: ") && m.endsWith("(claimable again in 3600 s)"));

        jdbc.update("UPDATE trials SET claimable_after = now() WHERE id = ?", t.id());   // the hour has passed
        assertThat(w.workOnce()).contains(TrialRunner.Result.RETRY);
        assertThat(trials.get(t.id()).attempts()).isEqualTo(2);
        assertThat(hoursUntilClaimable(t.id())).isCloseTo(4.0, org.assertj.core.data.Offset.offset(0.01));
        experiments.cancel(e.id());
    }

    private double hoursUntilClaimable(long trialId) {
        return jdbc.queryForObject("SELECT extract(epoch FROM claimable_after - now()) / 3600 FROM trials WHERE id = ?",
                Double.class, trialId);
    }

    /**
     * An Error (here: native memory running out) is recorded and retried like any failure, instead of ending the
     * worker's thread with the trial left RUNNING and failed three takeovers later as "no heartbeat".
     */
    @Test
    void anErrorInATrialIsRecordedAndRetriedAndTheWorkerGoesOn() {
        DatasetCopies outOfMemory = new DatasetCopies(datasets, artifacts, locations, env) {
            @Override
            public Path localSource(DatasetInfo dataset) {
                throw new OutOfMemoryError("Cannot allocate 12884901888 bytes of native memory");
            }
        };
        ExperimentInfo e = launch(digits, 1, 1, "random", "none");
        TrialWorker w = new TrialWorker("short-of-memory", scheduler, runnerWith(outOfMemory), trials,
                WorkerSettings.from(env));
        assertThat(w.workOnce()).contains(TrialRunner.Result.RETRY);
        TrialInfo t = trialsOf(e.id()).get(0);
        assertThat(t.state()).isEqualTo(TrialState.WAITING);
        assertThat(events.ofTrial(t.id(), 20)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("failed on attempt 1 of 3, retrying: Cannot allocate 12884901888 bytes"));
        experiments.cancel(e.id());
    }

    /**
     * After this process found the database unreachable, trials whose heartbeats are old are left alone for one
     * grace period: their workers' heartbeats could not get through either (a PostgreSQL restart).
     */
    @Test
    void afterADatabaseOutageSilentTrialsGetAGracePeriodBeforeBeingTakenOver() throws Exception {
        ExperimentInfo e = launch(Path.of("/nowhere/digits"), 1, 1, "random", "none");
        Assignment a = scheduler.next("cut-off").orElseThrow();
        jdbc.update("UPDATE trials SET heartbeat_at = now() - interval '1 minute' WHERE id = ?", a.trialId());
        TrialRunner sawOutage = runnerWith(datasetCopies);
        TrialWorker w = new TrialWorker("reconnected", scheduler, sawOutage, trials, WorkerSettings.from(env));
        sawOutage.noteDatabaseOutage();

        assertThat(w.takeOverStaleTrials()).isFalse();
        assertThat(trials.get(a.trialId()).state()).isEqualTo(TrialState.RUNNING);
        Thread.sleep(3500);   // past the heartbeat grace (3 s in these tests)
        assertThat(w.takeOverStaleTrials()).isTrue();
        assertThat(trials.get(a.trialId()).state()).isEqualTo(TrialState.WAITING);
        experiments.cancel(e.id());
    }

    /** An experiment the workers cannot schedule (here: unreadable settings) is skipped, and said so; the next one runs. */
    @Test
    void anExperimentThatCannotBeScheduledDoesNotStopTheOthers() {
        ExperimentInfo broken = launch(digits, 1, 1, "random", "none");
        ExperimentInfo fine = launch(digits, 1, 1, "random", "none");
        jdbc.update("UPDATE experiment_tuning SET settings = '{\"seed\": \"not a number\"}'::jsonb WHERE experiment_id = ?",
                broken.id());
        TrialWorker w = worker("unblocked");

        assertThat(w.workOnce()).contains(TrialRunner.Result.COMPLETE);
        assertThat(trialsOf(fine.id())).singleElement().satisfies(t -> assertThat(t.state()).isEqualTo(TrialState.COMPLETE));
        assertThat(events.recent(broken.id(), 10)).extracting(EventInfo::message)
                .anyMatch(m -> m.startsWith("workers cannot start this experiment's trials: ")
                        && m.contains("unreadable tuning settings"));
        assertThat(w.workOnce()).as("nothing else to run, and idle rounds do not fail either").isEmpty();
        assertThat(events.recent(broken.id(), 10)).as("said once, not on every poll")
                .filteredOn(ev -> ev.message().startsWith("workers cannot start")).hasSize(1);
        experiments.cancel(broken.id());
    }

    /** Nothing resumes an ended trial: only its best checkpoint stays in the store. */
    @Test
    void anEndedTrialKeepsOnlyItsBestCheckpoint() throws Exception {
        launch(digits, 1, 2, "random", "none");
        Assignment a = scheduler.next("tidy").orElseThrow();
        Path stray = java.nio.file.Files.writeString(dir.resolve("stray.ckpt"), "a later epoch's checkpoint");
        CheckpointInfo other = checkpoints.save(a.trialId(), 50, stray, false);   // not best, not older: kept per epoch

        assertThat(runner.run(a, new TrialControl())).isEqualTo(TrialRunner.Result.COMPLETE);

        assertThat(checkpoints.list(a.trialId())).singleElement().satisfies(c -> assertThat(c.best()).isTrue());
        assertThat(Path.of(other.uri())).doesNotExist();
    }

    private TrialRunner runnerWith(DatasetCopies copies) {
        return new TrialRunner(experiments, trials, checkpoints, events, datasets, copies, weightsCopies, studies,
                locations, env);
    }

    @Test
    void aTrialWhoseLossBecomesNaNFailsAtOnceWithoutRetries() {
        Map<String, Object> space = TinyDigits.space();
        // Decoupled weight decay multiplies each weight by (1 - lrate x weight_decay) = -9 per step: the
        // weights overflow within a few dozen minibatches (a large learning rate alone does not reliably
        // diverge here: batch norm keeps the activations bounded).
        space.put("lrate", 10.0);
        space.put("weight_decay", 1.0);
        space.put("batch_size", 4);
        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("diverges"), newDataset(digits).id(),
                List.of("Clarifai_InceptionV2"), "random", "none", 1, 6, 1, "accuracy", space, null, 11L));
        TrialWorker w = worker("diverging");
        assertThat(w.workOnce()).contains(TrialRunner.Result.FAIL);
        TrialInfo t = trialsOf(e.id()).get(0);
        assertThat(t.state()).isEqualTo(TrialState.FAIL);
        assertThat(t.attempts()).as("not retried").isEqualTo(1);
        assertThat(t.error()).startsWith("training diverged: the ").contains("became ", " at epoch ", ", batch ",
                "learning rate too high?", "not retried");
        // the epochs before the divergence keep their rows; the failed one wrote none
        int divergedAt = Integer.parseInt(t.error().replaceAll("(?s).* at epoch (\\d+),.*", "$1")) - 1;
        assertThat(metrics.curve(t.id())).extracting(r -> r.metrics().epoch())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, divergedAt).boxed().toList());
        assertThat(w.workOnce()).as("max trials reached, nothing new").isEmpty();
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
    }

    /**
     * A cancel stops the running trial and ends it and the waiting one as CANCELLED, not FAIL: no error, and the running
     * one keeps its curve, its best epoch with that epoch's value, and that epoch's checkpoint (the only one left).
     */
    @Test
    void cancellingStopsTheRunningTrialAndLeavesNothingToRun() throws Exception {
        ExperimentInfo e = launch(digits, 5, 30, "random", "none");
        TrialWorker w = worker("cancelled");
        CompletableFuture<Optional<TrialRunner.Result>> run = CompletableFuture.supplyAsync(w::workOnce);
        waitFor(() -> trialsOf(e.id()).stream().anyMatch(t -> t.state() == TrialState.RUNNING
                && checkpoints.latest(t.id()).isPresent()), "a running trial with a checkpoint");
        Assignment second = scheduler.next("idle").orElseThrow();   // the experiment runs two at once
        assertThat(trials.release(second.lease())).as("back in the queue").isTrue();
        launcher.cancel(e.id());
        assertThat(run.get(60, TimeUnit.SECONDS)).contains(TrialRunner.Result.DROPPED);
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.CANCELLED);
        List<TrialInfo> all = trialsOf(e.id());
        assertThat(all).hasSize(2).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TrialState.CANCELLED);
            assertThat(t.error()).isNull();
        });
        TrialInfo ran = all.get(0);
        assertThat(metrics.curve(ran.id())).isNotEmpty();
        assertThat(checkpoints.list(ran.id())).as("only its best checkpoint stays").singleElement().satisfies(c -> {
            assertThat(c.best()).isTrue();
            assertThat(c.epoch()).isEqualTo(ran.bestEpoch());
        });
        assertThat(ran.objectiveValue()).isEqualTo(valueAt(ran, ran.bestEpoch()));
        assertThat(all.get(1).bestEpoch()).as("the waiting trial stored no checkpoint").isNull();
        assertThat(w.workOnce()).isEmpty();
    }

    /**
     * A cancel between an epoch's metrics and its checkpoint: here the pruner cancels during epoch 0's verdict, after
     * which the worker (whose heartbeat would notice only much later) stores epoch 0's checkpoint, trains epoch 1,
     * writes its metrics and then finds the trial CANCELLED when asking for the verdict. It still stores epoch 1's
     * checkpoint and stops, and the trial's best epoch and value are those of its best checkpoint among both epochs,
     * the best of its whole curve: what it reports is what it hands over.
     */
    @Test
    void aCancelBetweenAnEpochsMetricsAndItsCheckpointStillStoresThatCheckpoint() throws Exception {
        TrialInfo t = runCancellingAtVerdict(1).trial();

        assertThat(t.state()).isEqualTo(TrialState.CANCELLED);
        assertThat(metrics.curve(t.id())).extracting(r -> r.metrics().epoch()).containsExactly(0, 1);
        CheckpointInfo best = checkpoints.best(t.id()).orElseThrow();
        assertThat(t.bestEpoch()).isEqualTo(best.epoch());
        assertThat(t.objectiveValue()).as("the best of epochs 0 and 1, both checkpointed")
                .isEqualTo(java.util.stream.Stream.of(valueAt(t, 0), valueAt(t, 1)).max(Double::compare).orElseThrow());
        assertThat(checkpoints.list(t.id())).singleElement().isEqualTo(best);
    }

    /**
     * A cancel during the last epoch's verdict: the epoch's checkpoint is stored after the cancel, and the completion
     * then finds the trial CANCELLED. Its best epoch and value must still be those of its best checkpoint.
     */
    @Test
    void aCancelDuringTheLastEpochsVerdictLeavesBestEpochAndCheckpointAgreeing() throws Exception {
        CancelledRun run = runCancellingAtVerdict(3);   // epoch 2 of 0..2
        TrialInfo t = run.trial();

        assertThat(run.verdicts()).isEqualTo(3);
        assertThat(t.state()).isEqualTo(TrialState.CANCELLED);
        CheckpointInfo best = checkpoints.best(t.id()).orElseThrow();
        assertThat(t.bestEpoch()).isEqualTo(best.epoch());
        assertThat(t.objectiveValue()).as("the best of epochs 0-2, all checkpointed").isEqualTo(
                java.util.stream.Stream.of(valueAt(t, 0), valueAt(t, 1), valueAt(t, 2)).max(Double::compare).orElseThrow());
        assertThat(checkpoints.list(t.id())).as("a cancelled trial keeps only its best").singleElement().isEqualTo(best);
    }

    private record CancelledRun(TrialInfo trial, int verdicts) {
    }

    /**
     * Runs the one trial of a new 3-epoch experiment whose pruner cancels the experiment during its
     * {@code cancelAt}-th verdict (and never prunes), with heartbeats too slow to notice: the run must end DROPPED.
     */
    private CancelledRun runCancellingAtVerdict(int cancelAt) {
        ExperimentInfo e = launch(digits, 1, 3, "random", "none");
        Assignment claimed = scheduler.next("late").orElseThrow();
        java.util.concurrent.atomic.AtomicInteger verdicts = new java.util.concurrent.atomic.AtomicInteger();
        Study cancelling = Study.builder(e.name(), SearchSpace.fromJson(e.searchSpaceJson()))
                .optObjective(studies.objective(e)).optStorage(claimed.storage())
                .optPruner((study, trial) -> {
                    if (verdicts.incrementAndGet() == cancelAt) {
                        launcher.cancel(e.id());
                    }
                    return false;
                }).build();
        Assignment a = new Assignment(claimed.experiment(), cancelling, claimed.storage(),
                cancelling.reopen(claimed.trial().number()), claimed.trialId(), claimed.lease(), claimed.origin());
        org.springframework.mock.env.MockEnvironment slowHeartbeat = new org.springframework.mock.env.MockEnvironment()
                .withProperty("templatelab.tuning.heartbeat-interval", "1h")
                .withProperty("templatelab.tuning.heartbeat-grace", "2h");
        slowHeartbeat.setConversionService(new org.springframework.boot.convert.ApplicationConversionService());
        TrialRunner slow = new TrialRunner(experiments, trials, checkpoints, events, datasets, datasetCopies,
                weightsCopies, studies, locations, slowHeartbeat);

        assertThat(slow.run(a, new TrialControl())).isEqualTo(TrialRunner.Result.DROPPED);
        return new CancelledRun(trials.get(a.trialId()), verdicts.get());
    }

    private Double valueAt(TrialInfo t, int epoch) {
        return metrics.curve(t.id()).stream().filter(r -> r.metrics().epoch() == epoch).findFirst().orElseThrow()
                .metrics().valAccuracy();
    }

    @Test
    void aStaleTrialIsTakenOverAndResumesFromItsLastCheckpoint() throws Exception {
        ExperimentInfo e = launch(digits, 1, 4, "random", "none");
        // worker A trains until its epoch-1 checkpoint is stored, then goes silent as if killed (two epochs before
        // the end, so a slow machine still stops it in time)
        Assignment a = scheduler.next("doomed").orElseThrow();
        TrialControl control = new TrialControl();
        CompletableFuture<TrialRunner.Result> run = CompletableFuture.supplyAsync(() -> runner.run(a, control));
        waitFor(() -> checkpoints.latest(a.trialId()).map(c -> c.epoch() >= 1).orElse(false), "epoch 1 checkpoint");
        control.stop(TrialControl.StopReason.LEASE_LOST);
        assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(TrialRunner.Result.DROPPED);
        int checkpointed = checkpoints.latest(a.trialId()).orElseThrow().epoch();
        assertThat(trials.get(a.trialId()).state()).isEqualTo(TrialState.RUNNING);
        assertThat(checkpoints.latest(a.trialId()).orElseThrow().judged()).as("its verdict on that epoch was recorded")
                .isTrue();

        Thread.sleep(3500);   // past the heartbeat grace
        TrialWorker b = worker("rescuer");
        assertThat(b.workOnce()).contains(TrialRunner.Result.COMPLETE);
        TrialInfo t = trials.get(a.trialId());
        assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(t.workerId()).isEqualTo("rescuer");
        assertThat(t.attempts()).isEqualTo(2);
        assertThat(metrics.curve(t.id())).extracting(r -> r.metrics().epoch()).containsExactly(0, 1, 2, 3);
        assertThat(events.ofTrial(t.id(), 20)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("resumes after " + (checkpointed + 1) + " epoch(s) from its checkpoint on worker rescuer"));
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
    }

    /**
     * The check before each epoch's writes: a worker whose lease no heartbeat confirmed within half the grace asks
     * the database, and one whose trial was taken over meanwhile writes nothing more. Heartbeats every 10 minutes
     * here, so only that check can notice.
     */
    @Test
    void aWorkerWhoseTrialWasTakenOverWritesNoMoreEpochs() {
        launch(digits, 1, 2, "random", "none");
        Assignment cutOff = scheduler.next("cut-off").orElseThrow();
        jdbc.update("UPDATE trials SET heartbeat_at = now() - interval '1 minute' WHERE id = ?", cutOff.trialId());
        assertThat(worker("rescuer").takeOverStaleTrials()).isTrue();
        assertThat(scheduler.next("rescuer")).get().satisfies(b -> assertThat(b.trialId()).isEqualTo(cutOff.trialId()));
        TrialRunner slowBeats = runnerWith(rareHeartbeats());

        TrialRunner.Result result = slowBeats.run(cutOff, TrialControl.leaseConfirmedAgo(Duration.ofMinutes(15)));

        assertThat(result).isEqualTo(TrialRunner.Result.DROPPED);
        assertThat(metrics.curve(cutOff.trialId())).as("no epoch written into the rescuer's trial").isEmpty();
        assertThat(checkpoints.list(cutOff.trialId())).isEmpty();
        TrialInfo t = trials.get(cutOff.trialId());
        assertThat(t.state()).isEqualTo(TrialState.RUNNING);
        assertThat(t.workerId()).isEqualTo("rescuer");
    }

    /** A lease confirmed within half the grace costs an epoch no database round trip; a stale one costs one. */
    @Test
    void theEpochLeaseCheckAsksTheDatabaseOnlyWhenNoHeartbeatConfirmedItLately() {
        launch(digits, 2, 2, "random", "none");
        TrialRunner fresh = runnerWith(rareHeartbeats());
        assertThat(fresh.run(scheduler.next("fresh").orElseThrow(), new TrialControl()))
                .isEqualTo(TrialRunner.Result.COMPLETE);
        assertThat(fresh.timings().heartbeatNanos()).as("no lease round trip").isZero();

        TrialRunner stale = runnerWith(rareHeartbeats());
        assertThat(stale.run(scheduler.next("stale").orElseThrow(), TrialControl.leaseConfirmedAgo(Duration.ofMinutes(15))))
                .isEqualTo(TrialRunner.Result.COMPLETE);
        assertThat(stale.timings().heartbeatNanos()).as("the lease asked of the database").isPositive();
    }

    /** This test class's settings, with heartbeats every 10 minutes: none fires during a tiny trial. */
    private TrialRunner runnerWith(org.springframework.core.env.Environment settings) {
        return new TrialRunner(experiments, trials, checkpoints, events, datasets, datasetCopies, weightsCopies, studies,
                locations, settings);
    }

    private org.springframework.core.env.Environment rareHeartbeats() {
        org.springframework.mock.env.MockEnvironment settings = new org.springframework.mock.env.MockEnvironment();
        settings.setConversionService(new org.springframework.boot.convert.ApplicationConversionService());   // "10m" as Boot reads it
        settings.setProperty("templatelab.tuning.heartbeat-interval", "10m");
        settings.setProperty("templatelab.tuning.heartbeat-grace", "20m");
        return settings;
    }

    static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
