package dev.templatelab.storage.config;

import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.testapp.StorageTestApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM (Ctrl-C, {@code docker stop}) closes the application context, whose workers hand their trials back through
 * the database before it goes: the embedded PostgreSQL must outlive that, and then stop with the process.
 */
class GracefulStopTest {

    @TempDir
    Path home;

    @Test
    void theDatabaseServesTheContextUntilItClosesAndThenStops() throws Exception {
        Process child = StorageChildProcess.startAndAwaitReady(home, "written-at-start", "written-while-stopping");
        try {
            child.destroy();   // SIGTERM: the JVM's shutdown hooks run
            assertThat(child.waitFor(90, TimeUnit.SECONDS)).as("the child exited").isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(home.resolve("postgres/data/postmaster.pid")).as("PostgreSQL stopped with the process").doesNotExist();

        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(StorageTestApplication.class)
                .run("--TEMPLATELAB_HOME=" + home, "--DATABASE_URL=")) {
            DatasetService datasets = app.getBean(DatasetService.class);
            assertThat(datasets.findByName("written-at-start")).isPresent();
            assertThat(datasets.findByName("written-while-stopping")).as("written while the context closed").isPresent();
        }
        assertThat(Files.exists(home.resolve("postgres/data/postmaster.pid"))).isFalse();
    }
}
