package dev.templatelab.storage.contract;

import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.metrics.MetricWriter;
import dev.templatelab.storage.metrics.MetricWriterStats;
import dev.templatelab.storage.metrics.RecordedEpoch;
import dev.templatelab.storage.trials.TrialLease;
import dev.templatelab.storage.trials.TrialResult;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class MetricBatchingContractTest extends StorageContractTest {

    @Autowired
    DataSource dataSource;

    private static EpochMetrics epoch(int e) {
        return new EpochMetrics(e, 1.0 / (e + 1), 1.1 / (e + 1), 0.5 + e / 1000.0, 0.4 + e / 1000.0, 0.1, 250.0);
    }

    private List<Long> claimAll(ExperimentInfo e, int n) {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(trials.claimNext(e.id(), "w").orElseThrow().lease().trialId());
        }
        return ids;
    }

    private long rowsOf(List<Long> trialIds) {
        return jdbc.queryForObject("SELECT count(*) FROM trial_metrics WHERE trial_id = ANY(?)", Long.class,
                (Object) trialIds.toArray(Long[]::new));
    }

    @Test
    void concurrentReportsBecomeRowsWithFewStatements() throws Exception {
        ExperimentInfo e = newExperiment(20);
        List<Long> ids = claimAll(e, 20);
        // Long interval: only the row threshold and the final flush write.
        try (MetricWriter writer = new MetricWriter(dataSource, 100, Duration.ofHours(1))) {
            ExecutorService pool = Executors.newFixedThreadPool(10);
            List<Future<?>> done = new ArrayList<>();
            for (long id : ids) {   // 20 workers x 50 epochs = 1,000 reports from 10 threads
                done.add(pool.submit(() -> {
                    for (int ep = 0; ep < 50; ep++) {
                        writer.add(id, epoch(ep));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            writer.flush();

            MetricWriterStats stats = writer.stats();
            assertThat(stats.rowsSubmitted()).isEqualTo(1000);
            assertThat(stats.rowsInserted()).isEqualTo(1000);
            assertThat(rowsOf(ids)).isEqualTo(1000);
            // One statement per ~100 rows, not one per report.
            assertThat(stats.statements()).isBetween(1L, 20L);
            assertThat(stats.flushes()).isLessThanOrEqualTo(stats.statements());
        }
        List<RecordedEpoch> curve = metrics.curve(ids.get(3));
        assertThat(curve).extracting(r -> r.metrics().epoch()).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 50).boxed().toList());
        assertThat(curve.get(9).metrics()).isEqualTo(epoch(9));
        assertThat(curve.get(9).recordedAt()).isNotNull();
    }

    @Test
    void reSentEpochsAreIgnored() {
        ExperimentInfo e = newExperiment(1);
        long id = claimAll(e, 1).get(0);
        try (MetricWriter writer = new MetricWriter(dataSource, 1000, Duration.ofHours(1))) {
            writer.add(id, epoch(0));
            writer.add(id, epoch(1));
            writer.flush();
            // A worker resumed from a checkpoint re-sends epoch 1 (with other numbers) and goes on.
            writer.add(id, new EpochMetrics(1, 9.0, 9.0, 0.0, 0.0, 0.1, 1.0));
            writer.add(id, epoch(2));
            writer.add(id, epoch(2));   // and a duplicate within one batch
            writer.flush();

            assertThat(writer.stats().rowsInserted()).isEqualTo(3);
            assertThat(writer.stats().rowsIgnored()).isEqualTo(2);
        }
        List<RecordedEpoch> curve = metrics.curve(id);
        assertThat(curve).hasSize(3);
        assertThat(curve.get(1).metrics()).isEqualTo(epoch(1));   // the first report of an epoch wins
    }

    @Test
    void theIntervalFlushesWithoutAnyCall() {
        ExperimentInfo e = newExperiment(1);
        long id = claimAll(e, 1).get(0);
        try (MetricWriter writer = new MetricWriter(dataSource, 1000, Duration.ofMillis(100))) {
            writer.add(id, epoch(0));

            await().atMost(Duration.ofSeconds(10)).until(() -> rowsOf(List.of(id)) == 1);
            assertThat(writer.stats().flushes()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void completingATrialFlushesItsMetrics() {
        ExperimentInfo e = newExperiment(1);
        TrialLease lease = trials.claimNext(e.id(), "w").orElseThrow().lease();
        for (int ep = 0; ep < 3; ep++) {
            trials.reportEpoch(lease.trialId(), epoch(ep));   // the shared writer: default 1 s interval
        }

        trials.complete(lease, TrialResult.of(0.503));

        assertThat(rowsOf(List.of(lease.trialId()))).isEqualTo(3);
        assertThat(metrics.epochCount(lease.trialId())).isEqualTo(3);
    }

    @Test
    void flushingOneTrialWritesEveryonesRowsOnceAndLaterCallsAreFree() {
        ExperimentInfo e = newExperiment(3);
        List<Long> ids = claimAll(e, 3);
        try (MetricWriter writer = new MetricWriter(dataSource, 1000, Duration.ofHours(1))) {
            for (long id : ids) {
                writer.add(id, epoch(0));
                writer.add(id, epoch(1));
            }

            writer.flush(ids.get(0));
            writer.flush(ids.get(1));   // its rows went with the first flush: no statement
            writer.flush(ids.get(2));
            writer.flush(Long.MAX_VALUE);   // nothing queued for it

            assertThat(writer.stats().statements()).isEqualTo(1);
            assertThat(rowsOf(ids)).isEqualTo(6);
            writer.add(ids.get(2), epoch(2));
            writer.flush(ids.get(2));
            assertThat(writer.stats().statements()).isEqualTo(2);
            assertThat(rowsOf(ids)).isEqualTo(7);
        }
    }

    @Test
    void rowsOfAMissingTrialAreDroppedAndTheOthersKept() {
        ExperimentInfo e = newExperiment(1);
        long id = claimAll(e, 1).get(0);
        try (MetricWriter writer = new MetricWriter(dataSource, 1000, Duration.ofHours(1))) {
            writer.add(id, epoch(0));
            writer.add(Long.MAX_VALUE, epoch(0));   // no such trial (deleted meanwhile)
            writer.add(id, epoch(1));
            writer.flush();

            assertThat(writer.stats().rowsInserted()).isEqualTo(2);
            assertThat(writer.stats().rowsDropped()).isEqualTo(1);
        }
        assertThat(rowsOf(List.of(id))).isEqualTo(2);
    }

    @Test
    void curvesOfSeveralTrialsComeBackInTheOrderAsked() {
        ExperimentInfo e = newExperiment(3);
        List<Long> ids = claimAll(e, 3);
        for (long id : ids) {
            for (int ep = 0; ep < 4; ep++) {
                trials.reportEpoch(id, epoch(ep));
            }
        }
        trials.flushMetrics();

        Map<Long, List<RecordedEpoch>> curves = metrics.curves(List.of(ids.get(2), ids.get(0), Long.MAX_VALUE));

        assertThat(curves.keySet()).containsExactly(ids.get(2), ids.get(0), Long.MAX_VALUE);
        assertThat(curves.get(ids.get(2))).hasSize(4);
        assertThat(curves.get(Long.MAX_VALUE)).isEmpty();
    }
}
