package dev.templatelab.storage.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.operations.OperationsService;
import dev.templatelab.storage.operations.QueueSnapshot;
import dev.templatelab.storage.trials.TrialLease;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The monitoring snapshot follows the queue: other tests share the database, so compare deltas. */
class OperationsContractTest extends StorageContractTest {

    private static final Duration WINDOW = Duration.ofMinutes(1);

    @Autowired OperationsService operations;

    @Test
    void snapshotCountsWaitingRunningWorkersAndEpochs() {
        QueueSnapshot before = operations.snapshot(WINDOW);

        ExperimentInfo e = newExperiment(3);
        jdbc.execute("SELECT pg_sleep(0.3)");
        TrialLease lease = trials.claimNext(e.id(), unique("ops-worker")).orElseThrow().lease();
        trials.reportEpoch(lease.trialId(), new EpochMetrics(0, 1.0, 1.1, 0.5, 0.4, 0.1, 10.0));
        trials.reportEpoch(lease.trialId(), new EpochMetrics(1, 0.8, 0.9, 0.6, 0.5, 0.1, 10.0));
        trials.flushMetrics();

        QueueSnapshot after = operations.snapshot(WINDOW);
        assertThat(after.waiting() - before.waiting()).isEqualTo(2);
        assertThat(after.running() - before.running()).isEqualTo(1);
        assertThat(after.activeWorkers() - before.activeWorkers()).isEqualTo(1);
        assertThat(after.epochsRecorded() - before.epochsRecorded()).isEqualTo(2);
        assertThat(after.oldestWaitingSeconds()).isGreaterThanOrEqualTo(0.3);

        // A worker that went silent stops counting as active and shows as an old heartbeat.
        jdbc.update("UPDATE trials SET heartbeat_at = now() - interval '10 minutes' WHERE id = ?", lease.trialId());
        QueueSnapshot silent = operations.snapshot(WINDOW);
        assertThat(silent.activeWorkers()).isEqualTo(after.activeWorkers() - 1);
        assertThat(silent.oldestHeartbeatSeconds()).isGreaterThanOrEqualTo(600);
        jdbc.update("UPDATE trials SET state = 'FAIL', error = 'test cleanup', finished_at = now() WHERE id = ?",
                lease.trialId());
    }
}
