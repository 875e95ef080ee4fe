package dev.templatelab.storage.contract;

import dev.templatelab.storage.IllegalTransitionException;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.trials.ClaimedTrial;
import dev.templatelab.storage.trials.TrialEvaluation;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialLease;
import dev.templatelab.storage.trials.TrialLeaseLostException;
import dev.templatelab.storage.trials.TrialResult;
import dev.templatelab.storage.trials.TrialState;
import org.junit.jupiter.api.Test;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrialLifecycleContractTest extends StorageContractTest {

    private Instant databaseNow() {
        return jdbc.queryForObject("SELECT now()", java.sql.Timestamp.class).toInstant();
    }

    @Test
    void claimHeartbeatComplete() {
        ExperimentInfo e = newExperiment(2);

        Instant before = databaseNow();
        ClaimedTrial claimed = trials.claimNext(e.id(), "worker-1").orElseThrow();

        TrialInfo t = claimed.trial();
        assertThat(t.number()).isZero();   // lowest number first
        assertThat(t.state()).isEqualTo(TrialState.RUNNING);
        assertThat(t.workerId()).isEqualTo("worker-1");
        assertThat(t.attempts()).isEqualTo(1);
        assertThat(t.heartbeatAt()).isAfterOrEqualTo(before);
        // started_at is the claim's transaction start; its first heartbeat the moment of the update (a claim that
        // waited on the experiment's lock is not stale when it commits).
        assertThat(t.startedAt()).isBeforeOrEqualTo(t.heartbeatAt());
        assertThat(t.params()).hasSize(2);
        assertThat(claimed.lease()).isEqualTo(new TrialLease(t.id(), "worker-1", 1));

        assertThat(trials.heartbeat(claimed.lease())).isTrue();
        assertThat(trials.get(t.id()).heartbeatAt()).isAfter(t.heartbeatAt());

        TrialInfo done = trials.complete(claimed.lease(), new TrialResult(0.93, 7, 120.0, 30.0));
        assertThat(done.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(done.objectiveValue()).isEqualTo(0.93);
        assertThat(done.bestEpoch()).isEqualTo(7);
        assertThat(done.cpuSeconds()).isEqualTo(120.0);
        assertThat(done.gpuSeconds()).isEqualTo(30.0);
        assertThat(done.finishedAt()).isAfterOrEqualTo(done.startedAt());
        assertThat(trials.heartbeat(claimed.lease())).isFalse();   // finished: nothing to keep alive

        assertThat(trials.claimNext(e.id(), "worker-1").orElseThrow().trial().number()).isEqualTo(1);
        assertThat(trials.claimNext(e.id(), "worker-1")).isEmpty();
    }

    @Test
    void finishedTrialsNeverChangeAgain() {
        ExperimentInfo e = newExperiment(3);
        TrialLease completed = trials.claimNext(e.id(), "w").orElseThrow().lease();
        TrialLease pruned = trials.claimNext(e.id(), "w").orElseThrow().lease();
        TrialLease failed = trials.claimNext(e.id(), "w").orElseThrow().lease();
        trials.complete(completed, TrialResult.of(0.5));
        trials.prune(pruned, new TrialResult(null, null, null, null));
        trials.fail(failed, "java.lang.OutOfMemoryError\n\tat somewhere", null);

        assertThatThrownBy(() -> trials.complete(completed, TrialResult.of(0.6)))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("is COMPLETE; COMPLETE -> COMPLETE is not allowed");
        assertThatThrownBy(() -> trials.fail(completed, "late failure", null))
                .hasMessageContaining("COMPLETE -> FAIL is not allowed");
        assertThatThrownBy(() -> trials.complete(pruned, TrialResult.of(0.6)))
                .hasMessageContaining("PRUNED -> COMPLETE is not allowed");
        assertThatThrownBy(() -> trials.prune(failed, TrialResult.of(0.6)))
                .hasMessageContaining("FAIL -> PRUNED is not allowed");
        assertThatThrownBy(() -> trials.requeue(completed.trialId()))
                .hasMessageContaining("COMPLETE -> WAITING is not allowed");

        assertThat(trials.get(completed.trialId()).objectiveValue()).isEqualTo(0.5);
        assertThat(trials.get(pruned.trialId()).state()).isEqualTo(TrialState.PRUNED);
        assertThat(trials.get(failed.trialId()).error()).startsWith("java.lang.OutOfMemoryError");
        assertThat(events.ofTrial(failed.trialId(), 10)).extracting(ev -> ev.message())
                .containsExactly("trial #2 failed: java.lang.OutOfMemoryError");
    }

    @Test
    void completeNeedsAnObjectiveValue() {
        TrialLease lease = trials.claimNext(newExperiment(1).id(), "w").orElseThrow().lease();

        assertThatThrownBy(() -> trials.complete(lease, new TrialResult(null, 3, 1.0, 0.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("objective value");
        assertThat(trials.get(lease.trialId()).state()).isEqualTo(TrialState.RUNNING);
    }

    @Test
    void aRequeuedTrialsOldLeaseIsDead() {
        ExperimentInfo e = newExperiment(1);
        TrialLease first = trials.claimNext(e.id(), "worker-a").orElseThrow().lease();

        TrialInfo requeued = trials.requeue(first.trialId());
        assertThat(requeued.state()).isEqualTo(TrialState.WAITING);
        assertThat(requeued.workerId()).isNull();
        assertThat(requeued.attempts()).isEqualTo(1);   // kept
        TrialLease second = trials.claimNext(e.id(), "worker-b").orElseThrow().lease();

        assertThat(second).isEqualTo(new TrialLease(first.trialId(), "worker-b", 2));
        assertThat(trials.heartbeat(first)).isFalse();
        assertThatThrownBy(() -> trials.complete(first, TrialResult.of(0.1)))
                .isInstanceOf(TrialLeaseLostException.class)
                .hasMessageContaining("no longer held by worker worker-a attempt 1")
                .hasMessageContaining("RUNNING with worker worker-b attempt 2");
        // Same worker id, older attempt: still refused.
        TrialLease staleSameWorker = new TrialLease(first.trialId(), "worker-b", 1);
        assertThatThrownBy(() -> trials.fail(staleSameWorker, "x", null)).isInstanceOf(TrialLeaseLostException.class);

        assertThat(trials.complete(second, TrialResult.of(0.2)).state()).isEqualTo(TrialState.COMPLETE);
    }

    /** A trial re-queued after an error waits out its delay; meanwhile the experiment's other trials are claimed. */
    @Test
    void aTrialRequeuedWithADelayIsNotClaimedBeforeItPasses() {
        ExperimentInfo e = newExperiment(2);
        TrialLease failed = trials.claimNext(e.id(), "worker-a").orElseThrow().lease();

        assertThat(trials.requeue(failed.trialId(), java.time.Duration.ofHours(1)).state()).isEqualTo(TrialState.WAITING);
        assertThat(trials.claimNext(e.id(), "worker-b")).as("the other trial")
                .hasValueSatisfying(c -> assertThat(c.trial().id()).isNotEqualTo(failed.trialId()));
        assertThat(trials.claimNext(e.id(), "worker-b")).as("the delayed one, an hour too early").isEmpty();
        assertThat(trials.hasClaimableWaiting(e.id())).as("a WAITING trial in its delay is not claimable").isFalse();

        jdbc.update("UPDATE trials SET claimable_after = now() - interval '1 second' WHERE id = ?", failed.trialId());
        assertThat(trials.hasClaimableWaiting(e.id())).as("its delay passed").isTrue();
        assertThat(trials.claimNext(e.id(), "worker-b").orElseThrow().lease())
                .isEqualTo(new TrialLease(failed.trialId(), "worker-b", 2));
    }

    @Test
    void requeueOfAWaitingTrialIsIllegal() {
        ExperimentInfo e = newExperiment(1);
        long id = trials.page(e.id(), null, PageRequest.of(0, 1)).getContent().get(0).id();

        assertThatThrownBy(() -> trials.requeue(id)).isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("is WAITING; WAITING -> WAITING is not allowed");
    }

    @Test
    void pausedExperimentsAreNotClaimed() {
        ExperimentInfo e = newExperiment(1);
        experiments.pause(e.id());

        assertThat(trials.claimNext(e.id(), "w")).isEmpty();
        experiments.resume(e.id());
        assertThat(trials.claimNext(e.id(), "w")).isPresent();
    }

    @Test
    void claimFromAnyExperimentTakesTheOldestExperimentsLowestNumber() {
        // Leave no claimable trials from other tests ahead of ours.
        while (trials.claimNext("sweeper").isPresent()) {
            // drain
        }
        ExperimentInfo first = newExperiment(2);
        ExperimentInfo second = newExperiment(2);

        assertThat(trials.claimNext("w").orElseThrow().trial()).satisfies(t -> {
            assertThat(t.experimentId()).isEqualTo(first.id());
            assertThat(t.number()).isZero();
        });
        experiments.pause(first.id());
        assertThat(trials.claimNext("w").orElseThrow().trial().experimentId()).isEqualTo(second.id());
    }

    @Test
    void blankWorkerIdsAreRejected() {
        ExperimentInfo e = newExperiment(1);

        assertThatThrownBy(() -> trials.claimNext(e.id(), " ")).isInstanceOf(IllegalArgumentException.class);
        assertThat(trials.stats(e.id()).count(TrialState.WAITING)).isEqualTo(1);
    }

    @Test
    void rankedPutsTheBestFirstAndTrialsWithoutObjectiveLast() {
        ExperimentInfo e = newExperiment(5);
        double[] values = {0.4, 0.9, 0.1, 0.9};
        for (double v : values) {
            trials.complete(trials.claimNext(e.id(), "w").orElseThrow().lease(), TrialResult.of(v));
        }

        var highestFirst = trials.ranked(e.id(), dev.templatelab.storage.metrics.Direction.MAXIMIZE,
                PageRequest.of(0, 10));
        var lowestFirst = trials.ranked(e.id(), dev.templatelab.storage.metrics.Direction.MINIMIZE,
                PageRequest.of(0, 3));

        assertThat(highestFirst.getContent()).extracting(TrialInfo::objectiveValue)
                .containsExactly(0.9, 0.9, 0.4, 0.1, null);
        assertThat(highestFirst.getContent()).extracting(TrialInfo::number).containsExactly(1, 3, 0, 2, 4);
        assertThat(lowestFirst.getContent()).extracting(TrialInfo::objectiveValue).containsExactly(0.1, 0.4, 0.9);
        assertThat(lowestFirst.getTotalElements()).isEqualTo(5);
        assertThat(lowestFirst.getTotalPages()).isEqualTo(2);
    }

    @Test
    void pageFiltersByStateAndSortsByAnyField() {
        ExperimentInfo e = newExperiment(4);
        trials.complete(trials.claimNext(e.id(), "w").orElseThrow().lease(), TrialResult.of(0.5));

        assertThat(trials.page(e.id(), TrialState.WAITING, PageRequest.of(0, 10)).getTotalElements()).isEqualTo(3);
        assertThat(trials.page(e.id(), null, PageRequest.of(0, 10, Sort.by(Sort.Direction.DESC, "number")))
                .getContent()).extracting(TrialInfo::number).containsExactly(3, 2, 1, 0);
        assertThat(trials.find(e.id(), 3)).map(TrialInfo::state).contains(TrialState.WAITING);
        assertThat(trials.find(e.id(), 4)).isEmpty();
    }

    @Test
    void valuesAtEpochFeedPruners() {
        ExperimentInfo e = newExperiment(3);
        TrialLease a = trials.claimNext(e.id(), "w").orElseThrow().lease();
        TrialLease b = trials.claimNext(e.id(), "w").orElseThrow().lease();
        TrialLease c = trials.claimNext(e.id(), "w").orElseThrow().lease();
        trials.reportEpoch(a.trialId(), new EpochMetrics(2, 0.5, 0.6, 0.70, 0.6, 0.01, 50.0, 0.65));
        trials.reportEpoch(b.trialId(), new EpochMetrics(2, 0.4, 0.5, 0.80, 0.7, 0.01, 50.0, 0.75));
        trials.reportEpoch(c.trialId(), new EpochMetrics(2, 0.9, 0.9, 0.30, 0.2, 0.01, 50.0));   // no mAP: single-label
        trials.complete(a, TrialResult.of(0.7));
        trials.complete(b, TrialResult.of(0.8));   // c stays RUNNING

        Map<Long, Double> completed = trials.valuesAtEpoch(e.id(), 2, Metric.VAL_ACCURACY, EnumSet.of(TrialState.COMPLETE));
        Map<Long, Double> all = trials.valuesAtEpoch(e.id(), 2, Metric.VAL_LOSS,
                EnumSet.of(TrialState.COMPLETE, TrialState.RUNNING));

        assertThat(completed).isEqualTo(Map.of(a.trialId(), 0.70, b.trialId(), 0.80));
        assertThat(all).isEqualTo(Map.of(a.trialId(), 0.6, b.trialId(), 0.5, c.trialId(), 0.9));
        assertThat(trials.valuesAtEpoch(e.id(), 3, Metric.VAL_LOSS, EnumSet.allOf(TrialState.class))).isEmpty();
        Map<Long, Double> map = trials.valuesAtEpoch(e.id(), 2, Metric.VAL_MAP, EnumSet.allOf(TrialState.class));
        assertThat(map).isEqualTo(Map.of(a.trialId(), 0.65, b.trialId(), 0.75));   // unmeasured values are left out
    }

    @Test
    void finalEvaluationIsStoredAndReplaced() {
        TrialLease lease = trials.claimNext(newExperiment(1).id(), "w").orElseThrow().lease();

        trials.recordEvaluation(lease.trialId(), "{\"0\": {\"f1\": 0.5}}", "[[1, 0], [0, 1]]");
        TrialEvaluation replaced = trials.recordEvaluation(lease.trialId(), "{\"0\": {\"f1\": 0.9}}", "[[2, 0], [1, 1]]");

        TrialEvaluation read = trials.evaluation(lease.trialId()).orElseThrow();
        assertThat(read.perClassMetricsJson()).isEqualTo("{\"0\": {\"f1\": 0.9}}");
        assertThat(read.confusionMatrixJson()).isEqualTo("[[2, 0], [1, 1]]");
        assertThat(replaced.trialId()).isEqualTo(lease.trialId());
        assertThat(trials.evaluation(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void heldTrialsArePromotedWithoutANewAttemptOrPrunedAtTheEnd() {
        ExperimentInfo e = newExperiment(3);
        TrialLease a = trials.claimNext(e.id(), "w1").orElseThrow().lease();
        TrialLease b = trials.claimNext(e.id(), "w1").orElseThrow().lease();
        trials.reportEpoch(a.trialId(), new EpochMetrics(0, 1.0, 0.9, 0.6, 0.5, 0.1, 100.0));
        trials.reportEpoch(b.trialId(), new EpochMetrics(0, 1.0, 0.9, 0.4, 0.3, 0.1, 100.0));

        TrialInfo held = trials.hold(a, TrialResult.of(0.6));
        assertThat(held.state()).isEqualTo(TrialState.HELD);
        assertThat(held.workerId()).isNull();
        assertThat(held.objectiveValue()).isEqualTo(0.6);
        assertThat(trials.heartbeat(a)).as("the lease ended with the hold").isFalse();
        assertThatThrownBy(() -> trials.complete(a, TrialResult.of(0.7))).isInstanceOf(IllegalTransitionException.class);
        assertThat(trials.claimNext(e.id(), "w2").orElseThrow().trial().number())
                .as("HELD trials are not in the queue: only a promotion runs them").isEqualTo(2);
        trials.hold(b, TrialResult.of(0.4));
        assertThat(trials.stats(e.id()).count(TrialState.HELD)).isEqualTo(2);
        assertThat(trials.totals(e.id()).epochsRecorded()).isEqualTo(2);

        ClaimedTrial promoted = trials.promote(a.trialId(), "w2");
        assertThat(promoted.trial().state()).isEqualTo(TrialState.RUNNING);
        assertThat(promoted.trial().workerId()).isEqualTo("w2");
        assertThat(promoted.lease().attempt()).as("a promotion is not a retry").isEqualTo(1);
        assertThat(trials.heartbeat(promoted.lease())).isTrue();
        assertThatThrownBy(() -> trials.promote(a.trialId(), "w3"))
                .isInstanceOf(IllegalTransitionException.class).hasMessageContaining("only a HELD trial can be promoted");
        assertThat(trials.complete(promoted.lease(), TrialResult.of(0.8)).state()).isEqualTo(TrialState.COMPLETE);

        assertThat(trials.pruneHeld(e.id())).isEqualTo(1);
        TrialInfo pruned = trials.get(b.trialId());
        assertThat(pruned.state()).isEqualTo(TrialState.PRUNED);
        assertThat(pruned.objectiveValue()).as("keeps its value at the rung").isEqualTo(0.4);
        assertThat(pruned.finishedAt()).isNotNull();
    }

    @Test
    void cancellingEndsHeldTrialsTooKeepingTheirCheckpointedValue() {
        ExperimentInfo e = newExperiment(1);
        TrialLease a = trials.claimNext(e.id(), "w1").orElseThrow().lease();
        trials.reportEpoch(a.trialId(), new EpochMetrics(0, 1.0, 0.9, 0.5, 0.4, 0.01, 100.0));
        trials.flushMetrics();
        checkpoints.save(a.trialId(), 0, new java.io.ByteArrayInputStream(new byte[] {1, 2, 3}), true);
        trials.hold(a, TrialResult.of(0.5));
        assertThat(trials.cancelUnfinished(e.id())).isEqualTo(1);
        TrialInfo held = trials.get(a.trialId());
        assertThat(held.state()).isEqualTo(TrialState.CANCELLED);
        assertThat(held.bestEpoch()).isZero();
        assertThat(held.objectiveValue()).isEqualTo(0.5);
        assertThatThrownBy(() -> trials.promote(a.trialId(), "w2")).isInstanceOf(IllegalTransitionException.class);
    }

    @Test
    void aReleasedTrialGivesItsAttemptBack() {
        ExperimentInfo e = newExperiment(1);
        TrialLease first = trials.claimNext(e.id(), "w1").orElseThrow().lease();
        assertThat(trials.release(first)).isTrue();
        assertThat(trials.get(first.trialId()).state()).isEqualTo(TrialState.WAITING);
        assertThat(trials.release(first)).as("the lease ended").isFalse();
        ClaimedTrial again = trials.claimNext(e.id(), "w2").orElseThrow();
        assertThat(again.lease().attempt()).as("a pause or shutdown is not a failed attempt").isEqualTo(1);
    }
}
