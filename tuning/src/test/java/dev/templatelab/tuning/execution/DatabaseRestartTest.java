package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.config.DatabaseErrors;
import dev.templatelab.storage.config.EmbeddedPostgresServer;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.events.EventInfo;
import dev.templatelab.storage.events.EventService;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.tuning.testapp.TuningTestApplication;
import dev.templatelab.tuning.testing.TinyDigits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An experiment survives PostgreSQL going away mid-trial and coming back on the same data directory and port,
 * and a restart of the server (its worker pool) together with PostgreSQL: every trial completes, each epoch's
 * metric row exists exactly once. The "server" is the tuning application with one local worker, on its own
 * embedded PostgreSQL (not the shared test database, which this test stops).
 */
class DatabaseRestartTest {

    private static final int EPOCHS = 3;

    @TempDir
    Path dir;

    @Test
    void anExperimentSurvivesRestartsOfPostgresAndOfTheServer() throws Exception {
        Path digits = TinyDigits.create(dir, 3, 30);
        Path pgDir = dir.resolve("postgres");
        Path home = dir.resolve("home");
        EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(pgDir);
        int port = postgres.port();
        ConfigurableApplicationContext server = server(postgres.jdbcUrl(), home);
        // TrialRunner's log says when an epoch report met an unreachable database and is being retried (attached
        // after the server starts: Spring Boot resets the logging configuration then)
        ListAppender<ILoggingEvent> retries = new ListAppender<>();
        retries.start();
        ((Logger) LoggerFactory.getLogger(TrialRunner.class)).addAppender(retries);
        try {
            long dataset = server.getBean(DatasetService.class).register(new NewDataset("digits", List.of("0", "1", "2"),
                    90, Map.of(), null, digits.toUri())).id();
            Map<String, Object> space = TinyDigits.space();
            space.put("lrate", Map.of("low", 0.01, "high", 0.1, "log", true));
            ExperimentInfo e = server.getBean(ExperimentLauncher.class).launch(new ExperimentRequest("restarts", dataset,
                    List.of("Clarifai_InceptionV2"), "random", "none", 2, EPOCHS, 1, "accuracy", space, null, 3L));
            long id = e.id();

            // 1. PostgreSQL stops while trial #0 trains its second epoch (its first epoch's report is done: the
            //    checkpoint row exists) and stays down until the trial has finished that epoch (its local checkpoint
            //    is rewritten just before the epoch's report) plus longer than the pool's connection timeout, so the
            //    report meets a dead database. Then PostgreSQL starts again on the same data directory and port.
            //    The report's last steps (heartbeat, prune decision) follow the checkpoint row; should the outage
            //    begin during them, the trial waits there instead and writes no new checkpoint: after 20 s of
            //    outage the test goes on, as either way a report has met the dead database.
            ConfigurableApplicationContext first = server;
            waitFor(() -> trialsOf(first, id).size() == 1 && checkpoints(first).latest(trialsOf(first, id).get(0).id())
                    .isPresent(), "trial #0's first epoch report");
            Path latestEpoch = localCheckpoint(home, id);
            waitFor(() -> epochsIn(latestEpoch) >= 1, "trial #0's local checkpoint");
            int epochsBeforeOutage = epochsIn(latestEpoch);
            retries.list.clear();
            postgres.close();
            long outageStarted = System.nanoTime();
            waitFor(() -> epochsIn(latestEpoch) > epochsBeforeOutage
                    || System.nanoTime() - outageStarted > Duration.ofSeconds(20).toNanos(), "trial #0's second epoch");
            Thread.sleep(5000);
            assertThat(retries.list).extracting(ILoggingEvent::getFormattedMessage)
                    .as("a report of trial #0 met the dead database and was retried")
                    .anyMatch(m -> m.contains("database unreachable; retrying") && m.contains("number=0"));
            postgres = EmbeddedPostgresServer.start(pgDir);
            assertThat(postgres.port()).as("same port, so the server's URL still works").isEqualTo(port);
            // The warnings get their ending: an epoch report or a heartbeat says the database is back.
            waitFor(() -> messages(retries).stream()
                    .anyMatch(m -> m.contains("database reachable again after") && m.contains("number=0")),
                    "trial #0's 'database reachable again' line");

            // 2. The server stops while trial #1 trains (its running trial goes back to the queue), PostgreSQL
            //    restarts too, and a new server with a new worker pool picks the experiment up.
            waitFor(() -> trialsOf(first, id).size() == 2
                    && checkpoints(first).latest(trialsOf(first, id).get(1).id()).isPresent(), "trial #1's first checkpoint");
            server.close();
            postgres.close();
            postgres = EmbeddedPostgresServer.start(pgDir);
            server = server(postgres.jdbcUrl(), home);
            ConfigurableApplicationContext second = server;
            waitFor(() -> second.getBean(ExperimentService.class).get(id).state() == ExperimentState.COMPLETE,
                    "the experiment to complete");

            List<TrialInfo> all = trialsOf(second, id);
            assertThat(all).hasSize(2).allSatisfy(t -> {
                assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
                assertThat(metrics(second).curve(t.id())).extracting(r -> r.metrics().epoch()).containsExactly(0, 1, 2);
            });
            assertThat(all.get(0).attempts()).as("trial #0 waited out the outage instead of being re-run").isEqualTo(1);
            assertThat(second.getBean(JdbcTemplate.class).queryForObject("SELECT count(*) FROM trial_metrics m "
                    + "JOIN trials t ON t.id = m.trial_id WHERE t.experiment_id = ?", Long.class, id))
                    .as("one row per trial and epoch").isEqualTo(2L * EPOCHS);
            assertThat(second.getBean(EventService.class).ofTrial(all.get(1).id(), 20)).extracting(EventInfo::message)
                    .anyMatch(m -> m.contains("worker shutting down"))
                    .anyMatch(m -> m.contains("resumes after "));
        } finally {
            ((Logger) LoggerFactory.getLogger(TrialRunner.class)).detachAppender(retries);
            server.close();
            postgres.close();
        }
    }

    private static ConfigurableApplicationContext server(String jdbcUrl, Path home) {
        return new SpringApplicationBuilder(TuningTestApplication.class).web(WebApplicationType.NONE)
                .properties(Map.of("DATABASE_URL", jdbcUrl, "DATABASE_USER", EmbeddedPostgresServer.USER,
                        "TEMPLATELAB_HOME", home.toString(), "templatelab.workers", "1",
                        "templatelab.tuning.heartbeat-interval", "500ms", "templatelab.tuning.heartbeat-grace", "60s",
                        "templatelab.tuning.poll-interval", "200ms",
                        // shorter than the outage, so requests fail instead of only waiting for a connection
                        "spring.datasource.hikari.connection-timeout", "3000"))
                .run();
    }

    /** The latest-epoch checkpoint that trial #0's training writes in its work folder after every epoch. */
    private static Path localCheckpoint(Path home, long experimentId) throws IOException {
        try (Stream<Path> dirs = Files.list(home.resolve("work/tuning/experiment-" + experimentId))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("trial-0-")).findFirst().orElseThrow()
                    .resolve("model.tlckpt.last");
        }
    }

    /** The epochs trained so far, by the local checkpoint's metadata; -1 while it is being replaced. */
    private static int epochsIn(Path checkpoint) {
        try {
            return Checkpoints.readMetadata(checkpoint).epoch();
        } catch (IOException | RuntimeException beingReplaced) {
            return -1;
        }
    }

    private static List<TrialInfo> trialsOf(ConfigurableApplicationContext app, long experimentId) {
        return app.getBean(TrialService.class).page(experimentId, null, Pageable.unpaged(Sort.by("number"))).getContent();
    }

    private static MetricService metrics(ConfigurableApplicationContext app) {
        return app.getBean(MetricService.class);
    }

    private static CheckpointService checkpoints(ConfigurableApplicationContext app) {
        return app.getBean(CheckpointService.class);
    }

    /** The condition, or false while the database is still coming back (the pool has no connection yet). */
    /** The messages logged so far (the appender adds under its own lock: copied under it, not while it adds). */
    private static List<String> messages(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private static boolean holds(BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (RuntimeException e) {
            if (DatabaseErrors.isConnectionProblem(e)) {
                return false;
            }
            throw e;
        }
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (!holds(condition)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }
}
