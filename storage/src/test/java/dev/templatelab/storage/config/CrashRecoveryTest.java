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
 * A JVM killed with SIGKILL leaves its embedded PostgreSQL running on the data directory. The next
 * start on the same TEMPLATELAB_HOME must stop that orphan, start its own server and find the data.
 */
class CrashRecoveryTest {

    @TempDir
    Path home;

    @Test
    void theNextStartStopsTheOrphanedServerAndFindsTheData() throws Exception {
        Process child = StorageChildProcess.startAndAwaitReady(home, "written-before-the-crash");
        long orphanPid = -1;
        try {
            orphanPid = Long.parseLong(Files.readAllLines(home.resolve("postgres/data/postmaster.pid")).get(0).trim());
        } finally {
            child.destroyForcibly();   // SIGKILL: no shutdown hooks, PostgreSQL keeps running
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive)).as("orphaned postmaster").contains(true);

        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(StorageTestApplication.class)
                .run("--TEMPLATELAB_HOME=" + home, "--DATABASE_URL=")) {
            assertThat(app.getBean(DatasetService.class).findByName("written-before-the-crash")).isPresent();
            assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false))
                    .as("the orphan was stopped").isFalse();
        } finally {
            ProcessHandle.of(orphanPid).ifPresent(ProcessHandle::destroy);   // never leave a server behind
        }
    }
}
