package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

class NativeThreadsTest {

    @Test
    void trialsAtOnceShareTheCores() {
        assertThat(NativeThreads.perTrial(0, 2, 2, null)).isEqualTo(1);
        assertThat(NativeThreads.perTrial(0, 3, 2, null)).as("at least one each").isEqualTo(1);
        assertThat(NativeThreads.perTrial(0, 4, 16, null)).isEqualTo(4);
    }

    @Test
    void oneTrialAtATimeKeepsNd4jsDefault() {
        assertThat(NativeThreads.perTrial(0, 1, 16, null)).isZero();
    }

    @Test
    void theSettingWinsAndOmpNumThreadsIsRespected() {
        assertThat(NativeThreads.perTrial(3, 2, 2, null)).isEqualTo(3);
        assertThat(NativeThreads.perTrial(3, 2, 2, "1")).isEqualTo(3);
        assertThat(NativeThreads.perTrial(0, 4, 16, "2")).as("ND4J read OMP_NUM_THREADS at load").isZero();
    }

    @Test
    void aNegativeSettingIsRefusedWithThePropertyName() {
        assertThatThrownBy(() -> new WorkerSettings(1, "w", Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(2), -1, false, Duration.ZERO)).hasMessageContaining(WorkerSettings.ND4J_THREADS_PROPERTY);
    }

    @Test
    void applyingLimitsNd4jAndOpenMpOfTheCallingThread() throws Exception {
        int masterThreads = Nd4j.getEnvironment().maxMasterThreads();
        int blasThreads = Nd4j.factory().blas().getMaxThreads();
        assertThat(masterThreads).as("this test needs a machine with 2+ cores").isGreaterThan(1);
        int target = 1;
        try {
            AtomicInteger ompSeen = new AtomicInteger();
            Thread worker = new Thread(() -> {
                NativeThreads.applyProcessWide(target);
                ompSeen.set(NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
            });
            worker.start();
            worker.join();
            assertThat(Nd4j.getEnvironment().maxMasterThreads()).isEqualTo(target);
            assertThat(Nd4j.factory().blas().getMaxThreads()).isEqualTo(target);
            assertThat(ompSeen.get()).isEqualTo(target);
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(masterThreads);
            Nd4j.factory().blas().setMaxThreads(blasThreads);
        }
    }
}
