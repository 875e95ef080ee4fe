package dev.templatelab.storage.contract;

import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.trials.ClaimedTrial;
import dev.templatelab.storage.trials.StaleTrialsReport;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialLease;
import dev.templatelab.storage.trials.TrialState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StaleTrialContractTest extends StorageContractTest {

    /** Moves a trial's last heartbeat back in time, as if its worker went silent that long ago. */
    private void silence(long trialId, Duration ago) {
        jdbc.update("UPDATE trials SET heartbeat_at = now() - make_interval(secs => ?) WHERE id = ?",
                (double) ago.toSeconds(), trialId);
    }

    private List<Long> staleIdsOf(ExperimentInfo e, Duration grace) {
        return trials.findStale(grace).stream().filter(t -> t.experimentId() == e.id()).map(TrialInfo::id).toList();
    }

    @Test
    void staleIsJudgedByTheDatabaseClock() {
        ExperimentInfo e = newExperiment(2);
        TrialLease alive = trials.claimNext(e.id(), "w1").orElseThrow().lease();
        TrialLease silent = trials.claimNext(e.id(), "w2").orElseThrow().lease();
        silence(silent.trialId(), Duration.ofMinutes(10));

        assertThat(staleIdsOf(e, Duration.ofMinutes(5))).containsExactly(silent.trialId());
        assertThat(staleIdsOf(e, Duration.ofMinutes(15))).isEmpty();
        assertThat(trials.heartbeat(silent)).isTrue();   // the worker was only slow: a heartbeat revives it
        assertThat(staleIdsOf(e, Duration.ofMinutes(5))).isEmpty();
        assertThat(trials.heartbeat(alive)).isTrue();
    }

    @Test
    void aTrialBecomesStaleWhenRealTimePassesWithoutHeartbeats() {
        ExperimentInfo e = newExperiment(1);
        TrialLease lease = trials.claimNext(e.id(), "w").orElseThrow().lease();
        Duration grace = Duration.ofSeconds(2);   // wide enough for a slow machine between the claim and the check

        assertThat(staleIdsOf(e, grace)).isEmpty();
        jdbc.execute("SELECT pg_sleep(2.3)");   // the database's clock moves on; the JVM's is not consulted

        assertThat(staleIdsOf(e, grace)).containsExactly(lease.trialId());
    }

    @Test
    void requeueKeepsAttemptsThenFailsAfterMaxAttempts() {
        ExperimentInfo e = newExperiment(1);
        Duration grace = Duration.ofMinutes(1);
        int maxAttempts = 2;

        ClaimedTrial first = trials.claimNext(e.id(), "w1").orElseThrow();
        silence(first.lease().trialId(), Duration.ofMinutes(2));
        StaleTrialsReport report1 = trials.requeueStale(grace, maxAttempts);

        assertThat(report1.requeued()).contains(first.lease().trialId());
        TrialInfo waiting = trials.get(first.lease().trialId());
        assertThat(waiting.state()).isEqualTo(TrialState.WAITING);
        assertThat(waiting.attempts()).isEqualTo(1);
        assertThat(waiting.workerId()).isNull();
        assertThat(trials.heartbeat(first.lease())).isFalse();

        ClaimedTrial second = trials.claimNext(e.id(), "w2").orElseThrow();
        assertThat(second.lease().attempt()).isEqualTo(2);
        silence(second.lease().trialId(), Duration.ofMinutes(2));
        StaleTrialsReport report2 = trials.requeueStale(grace, maxAttempts);

        assertThat(report2.failed()).contains(second.lease().trialId());
        assertThat(report2.requeued()).doesNotContain(second.lease().trialId());
        TrialInfo failed = trials.get(second.lease().trialId());
        assertThat(failed.state()).isEqualTo(TrialState.FAIL);
        assertThat(failed.error()).contains("no heartbeat").contains("2 attempt(s)");
        assertThat(failed.finishedAt()).isNotNull();
        assertThat(events.ofTrial(failed.id(), 10)).extracting(ev -> ev.message())
                .anyMatch(m -> m.startsWith("trial re-queued")).anyMatch(m -> m.startsWith("trial failed"));
    }

    @Test
    void freshTrialsAreLeftAlone() {
        ExperimentInfo e = newExperiment(1);
        TrialLease lease = trials.claimNext(e.id(), "w").orElseThrow().lease();

        StaleTrialsReport report = trials.requeueStale(Duration.ofMinutes(1), 3);

        assertThat(report.requeued()).doesNotContain(lease.trialId());
        assertThat(report.failed()).doesNotContain(lease.trialId());
        assertThat(trials.get(lease.trialId()).state()).isEqualTo(TrialState.RUNNING);
    }
}
