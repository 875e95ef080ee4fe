package dev.templatelab.storage.contract;

import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.trials.ClaimedTrial;
import dev.templatelab.storage.trials.TrialResult;
import dev.templatelab.storage.trials.TrialState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ConcurrentClaimContractTest extends StorageContractTest {

    private static final int TRIALS = 200;
    private static final int WORKERS = 8;

    @Test
    void eightWorkersClaimTwoHundredTrialsEachExactlyOnce() throws Exception {
        ExperimentInfo e = newExperiment(TRIALS);
        Map<Long, String> owner = new ConcurrentHashMap<>();
        List<Long> doubleClaims = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        List<Future<Integer>> claimedPerWorker = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            String worker = "worker-" + w;
            claimedPerWorker.add(pool.submit(() -> {
                start.await();
                int n = 0;
                for (Optional<ClaimedTrial> c; (c = trials.claimNext(e.id(), worker)).isPresent(); n++) {
                    if (owner.putIfAbsent(c.get().lease().trialId(), worker) != null) {
                        doubleClaims.add(c.get().lease().trialId());
                    }
                    // Finish every other trial so claims interleave with updates of neighbouring rows.
                    if (n % 2 == 0) {
                        trials.complete(c.get().lease(), TrialResult.of(n));
                    }
                }
                return n;
            }));
        }
        start.countDown();
        int total = 0;
        for (Future<Integer> f : claimedPerWorker) {
            total += f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(doubleClaims).isEmpty();
        assertThat(total).isEqualTo(TRIALS);
        assertThat(owner).hasSize(TRIALS);
        // Every worker got a share: the claims really ran concurrently, not one worker draining the queue.
        assertThat(owner.values().stream().distinct().count()).isGreaterThan(1);
        var stats = trials.stats(e.id());
        assertThat(stats.count(TrialState.WAITING)).isZero();
        assertThat(stats.count(TrialState.RUNNING) + stats.count(TrialState.COMPLETE)).isEqualTo(TRIALS);
        Integer maxAttempts = jdbc.queryForObject("SELECT max(attempts) FROM trials WHERE experiment_id = ?",
                Integer.class, e.id());
        assertThat(maxAttempts).isEqualTo(1);
    }
}
