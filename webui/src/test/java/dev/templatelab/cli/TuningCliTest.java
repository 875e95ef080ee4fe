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
}
