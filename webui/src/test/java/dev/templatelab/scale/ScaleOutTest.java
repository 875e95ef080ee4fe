package dev.templatelab.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's scale test, on one machine without containers: the server plus three worker processes against one
 * PostgreSQL run a 12-trial experiment launched through the REST API. Every trial completes and the work is
 * shared by all three workers, each with the ND4J threads it was given; the workers share only the database and the
 * artifact store with the server (the dataset's folder is moved away), as on other machines. (Throughput per worker count is measured
 * by bench/scale, not asserted here.)
 */
class ScaleOutTest {

    @TempDir
    Path dir;

    @Test
    void serverAndThreeWorkersCompleteATwelveTrialExperiment() throws Exception {
        ScaleOutRun.Result r = ScaleOutRun.run(dir, 3, ScaleOutRun.Workload.SHORT, 0, Duration.ofMinutes(12));
        assertThat(r.state()).as("worker logs in %s", dir).isEqualTo("COMPLETE");
        assertThat(r.trials()).isEqualTo(12);
        assertThat(r.completed()).isEqualTo(12);
        assertThat(r.trialsPerWorker()).as("trials per worker").containsOnlyKeys("w1", "w2", "w3");
        assertThat(r.trialsPerWorker().values()).allSatisfy(n -> assertThat(n).isPositive());
        for (String w : r.trialsPerWorker().keySet()) {   // --nd4j-threads reached each worker's pool; claims are timed
            String log = Files.readString(dir.resolve("worker-" + w + ".log"));
            assertThat(log).contains("ND4J threads per trial: " + r.nd4jThreadsPerWorker() + " ")
                    .contains("libnd4j threads per op " + r.nd4jThreadsPerWorker()).containsPattern("claim_ms=\\d+")
                    .as("no worker sees the dataset's folder: each trains on its copy from the artifact store")
                    .contains("dataset unpacked from the artifact store dataset=scale-digits")
                    .as("a worker's lines carry their date and time")
                    .containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4} \\[.*\\] INFO .* - trial ended "
                            + "experiment=");
        }
    }
}
