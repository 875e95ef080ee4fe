package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.tuning.execution.WorkerSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/** The context behind {@code tune} and {@code worker}: its options win over the environment. */
class TuningCliTest {

    @TempDir
    Path home;

    @Test
    void dbAndTheCommandsOptionsWinOverTheEnvironmentsSettings() throws Exception {
        String previous = System.getProperty("DATABASE_URL");
        // What an exported DATABASE_URL (or -D) would say; --db must win, or tune --db silently uses another database.
        System.setProperty("DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/nowhere");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            String url = postgres.getJdbcUrl("postgres", "postgres");
            try (ConfigurableApplicationContext app = TuningCli.start(url, 0, Map.of("TEMPLATELAB_HOME", home.toString(),
                    "templatelab.artifacts.root", home.resolve("shared-artifacts").toString()))) {
                assertThat(app.getEnvironment().getProperty("DATABASE_URL")).isEqualTo(url);
                assertThat(app.getEnvironment().getProperty("templatelab.artifacts.root"))
                        .isEqualTo(home.resolve("shared-artifacts").toString());
                assertThat(WorkerSettings.shipsToWorkers(app.getEnvironment()))
                        .as("a shared database: workers may be elsewhere").isTrue();
            }
        } finally {
            if (previous == null) {
                System.clearProperty("DATABASE_URL");
            } else {
                System.setProperty("DATABASE_URL", previous);
            }
        }
    }

    /** TEMPLATELAB_WORKERS=0 (a UI-only server's setting; here as a system property, which ranks alike). */
    @Test
    void aWorkerCountOfZeroFromTheEnvironmentIsRefusedByWorkerAndOverriddenByTunesParallel() throws Exception {
        System.setProperty(WorkerSettings.WORKERS_PROPERTY, "0");
        System.setProperty("TEMPLATELAB_HOME", home.toString());
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            String url = postgres.getJdbcUrl("postgres", "postgres");
            CapturedOutput.Run worker = CapturedOutput.run("worker", "--db", url);
            assertThat(worker.code()).isEqualTo(2);
            assertThat(worker.err()).contains("error: TEMPLATELAB_WORKERS=0 leaves this worker no thread to run trials");

            try (ConfigurableApplicationContext app = TuningCli.start(url, 2, Map.of(WorkerSettings.WORKERS_PROPERTY, 2))) {
                assertThat(WorkerSettings.from(app.getEnvironment()).workers()).as("tune --parallel 2").isEqualTo(2);
            }
        } finally {
            System.clearProperty(WorkerSettings.WORKERS_PROPERTY);
            System.clearProperty("TEMPLATELAB_HOME");
        }
    }
}
