package dev.templatelab.storage.contract;

import dev.templatelab.storage.IllegalTransitionException;
import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.events.EventInfo;
import dev.templatelab.storage.events.EventLevel;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentRow;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.experiments.ExperimentSummary;
import dev.templatelab.storage.experiments.NewExperiment;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.trials.ClaimedTrial;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialParam;
import dev.templatelab.storage.trials.TrialResult;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.storage.trials.TrialStats;
import org.junit.jupiter.api.Test;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExperimentContractTest extends StorageContractTest {

    @Test
    void createStoresEveryFieldAndNumbersTrialsFromZero() {
        NewExperiment spec = spec(newDataset().id(), Direction.MAXIMIZE);

        ExperimentInfo created = experiments.create(spec, newTrials(3));

        ExperimentInfo read = experiments.get(created.id());
        assertThat(read.name()).isEqualTo(spec.name());
        assertThat(read.datasetId()).isEqualTo(spec.datasetId());
        assertThat(read.templates()).containsExactly("Clarifai_ResNet", "Clarifai_ResNext");
        assertThat(read.searchSpaceJson()).contains("\"lr\"").contains("\"log\": true");
        assertThat(read.sampler()).isEqualTo("tpe");
        assertThat(read.pruner()).isEqualTo("median");
        assertThat(read.budget()).isEqualTo(spec.budget());
        assertThat(read.objective()).isEqualTo(spec.objective());
        assertThat(read.direction()).isEqualTo(Direction.MAXIMIZE);
        assertThat(read.parallelism()).isEqualTo(4);
        assertThat(read.owner()).isEqualTo("alice");
        assertThat(read.state()).isEqualTo(ExperimentState.QUEUED);
        assertThat(read.createdAt()).isNotNull();
        assertThat(read.startedAt()).isNull();
        assertThat(experiments.findByName(spec.name())).contains(read);

        List<TrialInfo> list = trials.page(read.id(), null, PageRequest.of(0, 10, Sort.by("number"))).getContent();
        assertThat(list).extracting(TrialInfo::number).containsExactly(0, 1, 2);
        assertThat(list).extracting(TrialInfo::state).containsOnly(TrialState.WAITING);
        TrialInfo second = list.get(1);
        assertThat(second.template()).isEqualTo("Clarifai_ResNext");
        assertThat(second.params()).extracting(TrialParam::name).containsExactly("lr", "optimizer");
        assertThat(second.params().get(0).internalValue()).isEqualTo(0.002);
        assertThat(second.params().get(1).valueJson()).isEqualTo("\"sgd\"");
        assertThat(second.params().get(1).internalValue()).isEqualTo(1.0);
        assertThat(second.params().get(1).distributionJson()).contains("categorical");
    }

    @Test
    void createRefusesAMissingDatasetAndADuplicateName() {
        NewExperiment spec = spec(newDataset().id(), Direction.MAXIMIZE);
        experiments.create(spec);

        assertThatThrownBy(() -> experiments.create(spec)).hasMessageContaining("already exists");
        assertThatThrownBy(() -> experiments.create(spec(Long.MAX_VALUE, Direction.MAXIMIZE)))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("dataset");
        assertThatThrownBy(() -> experiments.get(Long.MAX_VALUE)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void invalidSearchSpaceIsRejected() {
        long datasetId = newDataset().id();
        assertThatThrownBy(() -> new NewExperiment("e", datasetId, List.of("t"), "{not json", "tpe", "none",
                null, dev.templatelab.storage.metrics.Metric.VAL_LOSS, Direction.MINIMIZE, 1, null))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> new NewExperiment("e", datasetId, List.of("t"), "[1, 2]", "tpe", "none",
                null, dev.templatelab.storage.metrics.Metric.VAL_LOSS, Direction.MINIMIZE, 1, null))
                .hasMessageContaining("JSON object");
    }

    @Test
    void enqueueContinuesNumberingAndIsRefusedOnceFinished() {
        ExperimentInfo e = newExperiment(2);

        List<TrialInfo> added = experiments.enqueueTrials(e.id(), newTrials(3));

        assertThat(added).extracting(TrialInfo::number).containsExactly(2, 3, 4);
        assertThat(trials.stats(e.id()).count(TrialState.WAITING)).isEqualTo(5);
        experiments.cancel(e.id());
        assertThatThrownBy(() -> experiments.enqueueTrials(e.id(), newTrials(1)))
                .isInstanceOf(IllegalTransitionException.class).hasMessageContaining("CANCELLED");
    }

    @Test
    void concurrentEnqueuesNeverReuseANumber() throws Exception {
        ExperimentInfo e = newExperiment(0);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<?>>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> experiments.enqueueTrials(e.id(), newTrials(5))));
            }
            for (var f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        List<Integer> numbers = trials.page(e.id(), null, PageRequest.of(0, 100, Sort.by("number"))).getContent()
                .stream().map(TrialInfo::number).toList();
        assertThat(numbers).hasSize(40).doesNotHaveDuplicates().first().isEqualTo(0);
        assertThat(numbers.get(39)).isEqualTo(39);
    }

    @Test
    void summaryCountsTrialsPerStateAndPicksTheBestComplete() {
        ExperimentInfo e = newExperiment(5, Direction.MINIMIZE);
        ClaimedTrial a = trials.claimNext(e.id(), "w").orElseThrow();
        ClaimedTrial b = trials.claimNext(e.id(), "w").orElseThrow();
        ClaimedTrial c = trials.claimNext(e.id(), "w").orElseThrow();
        ClaimedTrial d = trials.claimNext(e.id(), "w").orElseThrow();
        trials.reportEpoch(a.lease().trialId(), new EpochMetrics(0, 1.0, 0.9, 0.5, 0.4, 0.1, 100.0));
        trials.reportEpoch(a.lease().trialId(), new EpochMetrics(1, 0.8, 0.7, 0.6, 0.5, 0.1, 100.0));
        trials.complete(a.lease(), new TrialResult(0.7, 1, 12.5, 0.0));
        trials.complete(b.lease(), new TrialResult(0.3, 4, 20.0, 1.5));   // lowest loss: best when minimising
        trials.prune(c.lease(), new TrialResult(0.1, null, 2.0, null));    // pruned values never count as best
        trials.fail(d.lease(), "out of memory", null);
        ClaimedTrial running = trials.claimNext(e.id(), "w").orElseThrow();
        trials.reportEpoch(running.lease().trialId(), new EpochMetrics(0, 1.0, 0.9, 0.5, 0.4, 0.1, 100.0));
        trials.flushMetrics();

        ExperimentSummary summary = experiments.summary(e.id());

        assertThat(summary.experiment().state()).isEqualTo(ExperimentState.RUNNING);
        assertThat(summary.experiment().startedAt()).isNotNull();
        assertThat(summary.trials().count(TrialState.COMPLETE)).isEqualTo(2);
        assertThat(summary.trials().count(TrialState.PRUNED)).isEqualTo(1);
        assertThat(summary.trials().count(TrialState.FAIL)).isEqualTo(1);
        assertThat(summary.trials().count(TrialState.WAITING)).isZero();
        assertThat(summary.trials().count(TrialState.RUNNING)).isEqualTo(1);
        assertThat(summary.trials().total()).isEqualTo(5);
        assertThat(summary.best()).map(TrialInfo::id).contains(b.lease().trialId());
        assertThat(summary.bestTrial().objectiveValue()).isEqualTo(0.3);
        assertThat(summary.totals().epochsRecorded()).isEqualTo(3);   // 2 of a finished trial + 1 running
        assertThat(summary.totals().cpuSeconds()).isEqualTo(34.5);
        assertThat(summary.totals().gpuSeconds()).isEqualTo(1.5);
    }

    @Test
    void listPagesSortsAndFiltersByState() {
        ExperimentInfo older = newExperiment(1);
        ExperimentInfo newer = newExperiment(2);
        experiments.pause(newer.id());
        ClaimedTrial t = trials.claimNext(older.id(), "w").orElseThrow();
        trials.complete(t.lease(), TrialResult.of(0.75));

        Page<ExperimentRow> paused = experiments.list(ExperimentState.PAUSED, PageRequest.of(0, 1000));
        assertThat(paused.getContent()).extracting(r -> r.experiment().id()).contains(newer.id())
                .doesNotContain(older.id());

        Page<ExperimentRow> firstPage = experiments.list(null, PageRequest.of(0, 2));
        assertThat(firstPage.getContent()).hasSize(2);
        assertThat(firstPage.getTotalElements()).isGreaterThanOrEqualTo(2);
        // Newest first by default: the two just created lead the list (ids break same-transaction ties).
        assertThat(firstPage.getContent()).extracting(r -> r.experiment().id()).containsExactly(newer.id(), older.id());
        ExperimentRow olderRow = firstPage.getContent().get(1);
        assertThat(olderRow.trials().count(TrialState.COMPLETE)).isEqualTo(1);
        assertThat(olderRow.bestObjectiveValue()).isEqualTo(0.75);
        assertThat(firstPage.getContent().get(0).trials().count(TrialState.WAITING)).isEqualTo(2);

        Page<ExperimentRow> byName = experiments.list(null, PageRequest.of(0, 1000, Sort.by("name")));
        List<String> names = byName.getContent().stream().map(r -> r.experiment().name()).toList();
        assertThat(names).isSorted();
    }

    @Test
    void legalStateChanges() {
        ExperimentInfo e = newExperiment(1);

        assertThat(experiments.pause(e.id()).state()).isEqualTo(ExperimentState.PAUSED);
        assertThat(experiments.resume(e.id()).state()).isEqualTo(ExperimentState.QUEUED);   // never started
        ClaimedTrial t = trials.claimNext(e.id(), "w").orElseThrow();
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.RUNNING);
        assertThat(experiments.pause(e.id()).state()).isEqualTo(ExperimentState.PAUSED);
        assertThat(experiments.resume(e.id()).state()).isEqualTo(ExperimentState.RUNNING);
        trials.complete(t.lease(), TrialResult.of(0.5));
        ExperimentInfo done = experiments.complete(e.id());
        assertThat(done.state()).isEqualTo(ExperimentState.COMPLETE);
        assertThat(done.finishedAt()).isNotNull();

        List<EventInfo> log = events.since(e.id(), 0, 100);
        assertThat(log).extracting(EventInfo::message).contains("experiment paused", "experiment resumed",
                "experiment complete");
        assertThat(log).extracting(EventInfo::level).containsOnly(EventLevel.INFO);
    }

    /** What the wall-clock budget counts: from the first trial, less pauses (times moved back in SQL, no sleeping). */
    @Test
    void runningTimeStartsWithTheFirstTrialAndLeavesPausesOut() {
        ExperimentInfo e = newExperiment(1);
        experiments.pause(e.id());
        jdbc.update("UPDATE experiments SET paused_at = now() - interval '1 hour' WHERE id = ?", e.id());
        ExperimentInfo queued = experiments.resume(e.id());
        assertThat(queued.pausedBefore()).as("paused before it started: no running time to leave out").isZero();
        assertThat(queued.runningTime(experiments.databaseNow())).isZero();

        trials.claimNext(e.id(), "w").orElseThrow();
        jdbc.update("UPDATE experiments SET started_at = now() - interval '3 hours' WHERE id = ?", e.id());
        experiments.pause(e.id());
        jdbc.update("UPDATE experiments SET paused_at = now() - interval '1 hour' WHERE id = ?", e.id());
        ExperimentInfo paused = experiments.get(e.id());
        Instant now = experiments.databaseNow();
        assertThat(paused.runningTime(now)).isBetween(Duration.ofMinutes(119), Duration.ofMinutes(121));
        assertThat(paused.runningTime(now.plus(Duration.ofDays(1)))).as("the clock stops while paused")
                .isEqualTo(paused.runningTime(now));

        ExperimentInfo resumed = experiments.resume(e.id());
        assertThat(resumed.pausedAt()).isNull();
        assertThat(resumed.pausedBefore()).isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));
        assertThat(resumed.runningTime(experiments.databaseNow())).isBetween(Duration.ofMinutes(119), Duration.ofMinutes(121));
        assertThat(experiments.get(e.id())).as("stored, not only returned").isEqualTo(resumed);

        ExperimentInfo cancelled = experiments.cancel(e.id());
        assertThat(cancelled.runningTime(now.plus(Duration.ofDays(1)))).as("the clock stops at the end")
                .isBetween(Duration.ofMinutes(119), Duration.ofMinutes(121));
    }

    @Test
    void illegalStateChangesThrowAndChangeNothing() {
        ExperimentInfo queued = newExperiment(1);
        ExperimentInfo cancelled = newExperiment(1);
        experiments.cancel(cancelled.id());

        assertThatThrownBy(() -> experiments.complete(queued.id()))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessage("experiment " + queued.id() + " (" + queued.name() + ") is QUEUED; QUEUED -> COMPLETE is not allowed");
        assertThatThrownBy(() -> experiments.resume(queued.id())).isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("only a PAUSED experiment");
        assertThatThrownBy(() -> experiments.resume(cancelled.id())).isInstanceOf(IllegalTransitionException.class);
        assertThatThrownBy(() -> experiments.pause(cancelled.id())).isInstanceOf(IllegalTransitionException.class);
        assertThatThrownBy(() -> experiments.cancel(cancelled.id())).isInstanceOf(IllegalTransitionException.class);
        assertThat(experiments.get(queued.id()).state()).isEqualTo(ExperimentState.QUEUED);
        assertThat(experiments.get(cancelled.id()).state()).isEqualTo(ExperimentState.CANCELLED);
    }

    /**
     * Cancelling is not failing: the running and the waiting trials become CANCELLED without an error, and the running
     * one reports the best epoch and value of its best checkpoint, not of the epoch whose metrics came after it (the
     * cancel landed between that epoch's metrics and its checkpoint). Once its worker stored that checkpoint and settled
     * the trial, both move on to that epoch, and only that checkpoint stays.
     */
    @Test
    void cancelEndsWaitingAndRunningTrialsAsCancelledNotFailedWithTheirBestCheckpointedEpoch() {
        ExperimentInfo e = newExperiment(3);
        ClaimedTrial running = trials.claimNext(e.id(), "w").orElseThrow();
        long id = running.lease().trialId();
        trials.reportEpoch(id, new EpochMetrics(0, 1.0, 0.9, 0.6, 0.5, 0.01, 100.0));
        CheckpointInfo first = checkpoints.save(id, 0, bytes("epoch 0"), true);
        trials.reportEpoch(id, new EpochMetrics(1, 0.8, 0.7, 0.8, 0.7, 0.01, 100.0));
        trials.flushMetrics();

        experiments.cancel(e.id());

        TrialStats stats = trials.stats(e.id());
        assertThat(stats.count(TrialState.CANCELLED)).isEqualTo(3);
        assertThat(stats.count(TrialState.FAIL)).isZero();
        assertThat(stats.finished()).isEqualTo(3);
        assertThat(trialsOf(e.id())).allSatisfy(t -> {
            assertThat(t.error()).isNull();
            assertThat(t.finishedAt()).isNotNull();
        });
        TrialInfo cancelled = trials.get(id);
        assertThat(trials.totals(e.id()).epochsRecorded()).as("its epochs are counted").isEqualTo(2);
        assertThat(cancelled.bestEpoch()).as("the epoch of its best checkpoint").isZero();
        assertThat(cancelled.objectiveValue()).as("that epoch's accuracy").isEqualTo(0.6);
        assertThat(trialsOf(e.id())).filteredOn(t -> t.id() != id).allSatisfy(waiting -> {
            assertThat(waiting.bestEpoch()).isNull();
            assertThat(waiting.objectiveValue()).isNull();
        });
        assertThat(trials.best(e.id(), Direction.MAXIMIZE)).as("no trial completed").isEmpty();
        assertThat(trials.best(e.id(), Direction.MAXIMIZE, TrialState.CANCELLED)).map(TrialInfo::id).contains(id);
        assertThat(events.recent(e.id(), 5)).extracting(EventInfo::message)
                .contains("3 unfinished trial(s) cancelled with the experiment");
        assertThat(trials.heartbeat(running.lease())).isFalse();
        assertThatThrownBy(() -> trials.complete(running.lease(), TrialResult.of(0.9)))
                .isInstanceOf(IllegalTransitionException.class).hasMessageContaining("CANCELLED -> COMPLETE");
        assertThat(trials.claimNext(e.id(), "w")).isEmpty();

        // The worker stores the checkpoint of the epoch whose metrics it wrote: the trial's best moves with it and the
        // other checkpoints go (a worker dying right after leaves both right); its own settle and trim then change nothing.
        checkpoints.save(id, 1, bytes("epoch 1"), true);
        assertThat(trials.get(id).bestEpoch()).as("settled with the checkpoint").isEqualTo(1);
        assertThat(trials.get(id).objectiveValue()).isEqualTo(0.8);
        assertThat(checkpoints.list(id)).as("trimmed with the save").extracting(CheckpointInfo::epoch).containsExactly(1);
        assertThat(Path.of(first.uri())).doesNotExist();
        assertThat(trials.settleCancelled(id)).isTrue();
        assertThat(checkpoints.keepOnlyBest(e.id())).isZero();
        TrialInfo settled = trials.get(id);
        assertThat(settled.bestEpoch()).isEqualTo(1);
        assertThat(settled.objectiveValue()).isEqualTo(0.8);
        assertThat(checkpoints.list(id)).singleElement().satisfies(c -> {
            assertThat(c.epoch()).isEqualTo(1);
            assertThat(c.best()).isTrue();
        });
        assertThat(Path.of(first.uri())).doesNotExist();
    }

    /** Trials that an earlier version failed on a cancel become CANCELLED with their best checkpoint's epoch (V11). */
    @Test
    void migrationV11TurnsTrialsFailedByACancelIntoCancelledOnes() throws Exception {
        ExperimentInfo e = newExperiment(2);
        ClaimedTrial a = trials.claimNext(e.id(), "w").orElseThrow();
        ClaimedTrial b = trials.claimNext(e.id(), "w").orElseThrow();
        trials.reportEpoch(a.lease().trialId(), new EpochMetrics(0, 1.0, 0.9, 0.55, 0.5, 0.01, 100.0));
        trials.flushMetrics();
        checkpoints.save(a.lease().trialId(), 0, bytes("epoch 0"), true);
        trials.fail(b.lease(), "out of memory", null);
        // as earlier versions left a cancel
        jdbc.update("UPDATE trials SET state = 'FAIL', error = 'experiment cancelled', finished_at = now() WHERE id = ?",
                a.lease().trialId());

        String migration = new String(getClass().getResourceAsStream("/db/migration/V11__cancelled_trials.sql")
                .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String update = migration.substring(migration.indexOf("UPDATE trials"));
        jdbc.update(update.substring(0, update.lastIndexOf(';')));

        TrialInfo cancelled = trials.get(a.lease().trialId());
        assertThat(cancelled.state()).isEqualTo(TrialState.CANCELLED);
        assertThat(cancelled.error()).isNull();
        assertThat(cancelled.bestEpoch()).isZero();
        assertThat(cancelled.objectiveValue()).isEqualTo(0.55);
        assertThat(trials.get(b.lease().trialId()).state()).as("a real failure stays one").isEqualTo(TrialState.FAIL);
    }

    private List<TrialInfo> trialsOf(long experimentId) {
        return trials.page(experimentId, null, PageRequest.of(0, 100, Sort.by("number"))).getContent();
    }

    private static java.io.InputStream bytes(String s) {
        return new java.io.ByteArrayInputStream(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void failMarksTheExperimentAndItsUnfinishedTrials() {
        ExperimentInfo e = newExperiment(2);

        ExperimentInfo failed = experiments.fail(e.id(), "dataset vanished");

        assertThat(failed.state()).isEqualTo(ExperimentState.FAILED);
        assertThat(trials.stats(e.id()).count(TrialState.FAIL)).isEqualTo(2);
        assertThat(events.recent(e.id(), 1)).first().satisfies(ev -> {
            assertThat(ev.level()).isEqualTo(EventLevel.ERROR);
            assertThat(ev.message()).contains("dataset vanished");
        });
    }
}
