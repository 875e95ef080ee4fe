package dev.templatelab.cli;

import dev.templatelab.testdata.TinyDigits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.storage.artifacts.CheckpointService;
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
import dev.templatelab.tuning.execution.ExperimentLauncher;
import dev.templatelab.tuning.execution.ExperimentRequest;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

/**
 * Three {@code templatelab worker} JVMs share one PostgreSQL; one is killed with SIGKILL mid-trial. The
 * experiment still completes every trial, the killed trial resumes from its checkpoint on another worker, and
 * every trial has exactly one metric row per epoch.
 */
class MultiProcessWorkersTest {

    private static final int EPOCHS = 3;

    @TempDir
    Path dir;

    @RegisterExtension
    final TemporaryUserHome home = new TemporaryUserHome(() -> dir.resolve("test-home"));

    @Test
    void aKilledWorkersTrialIsResumedElsewhereAndNothingIsLostOrDuplicated() throws Exception {
        Path data = TinyDigits.write(dir, 2, 15);
        Path artifacts = dir.resolve("artifacts");
        List<Process> workers = new ArrayList<>();
        EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
        try {
            String url = postgres.getJdbcUrl("postgres", "postgres");
            try (ConfigurableApplicationContext app = TuningCli.start(url, 0,
                    Map.of("templatelab.artifacts.root", artifacts.toString()))) {
                long dataset = app.getBean(DatasetService.class).register(new NewDataset("tiny-digits",
                        List.of("0", "1"), 30, Map.of(), null, data.toUri())).id();
                Map<String, Object> space = new LinkedHashMap<>();
                space.put("image_size", 32);
                space.put("width_multiplier", 0.125);
                space.put("batch_size", 16);
                space.put("validation_fraction", 0.3);
                ExperimentInfo e = app.getBean(ExperimentLauncher.class).launch(new ExperimentRequest("three-workers",
                        dataset, List.of("Clarifai_InceptionV2"), "random", "none", 3, EPOCHS, 3, "accuracy", space,
                        null, 5L));
                for (int i = 1; i <= 3; i++) {
                    workers.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                            "-Xmx1g", "-Duser.home=" + dir.resolve("home-" + i),
                            "-Dtemplatelab.tuning.heartbeat-interval=500ms", "-Dtemplatelab.tuning.heartbeat-grace=10s",
                            "-Dtemplatelab.tuning.poll-interval=300ms",
                            "-cp", System.getProperty("java.class.path"), TemplateLabCli.class.getName(), "worker",
                            "--db", url, "--artifacts", artifacts.toString(), "--id", "w" + i)
                            .redirectErrorStream(true)
                            .redirectOutput(Path.of("target", "multi-process-worker-" + i + ".log").toFile())
                            .start());
                }
                TrialService trials = app.getBean(TrialService.class);
                CheckpointService checkpoints = app.getBean(CheckpointService.class);
                // kill the worker of the first trial that has its epoch-1 checkpoint and is still running
                TrialInfo victim = null;
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (victim == null) {
                    assertThat(System.nanoTime()).as("a trial reached epoch 1 in time").isLessThan(deadline);
                    for (TrialInfo t : all(trials, e.id())) {
                        if (t.state() == TrialState.RUNNING && checkpoints.latest(t.id()).map(c -> c.epoch() >= 1)
                                .orElse(false) && checkpoints.latest(t.id()).get().epoch() < EPOCHS - 1) {
                            victim = t;
                            break;
                        }
                    }
                    Thread.sleep(100);
                }
                int killed = Integer.parseInt(victim.workerId().substring(1));
                workers.get(killed - 1).destroyForcibly().waitFor();   // SIGKILL: no shutdown hook, no release

                ExperimentService experiments = app.getBean(ExperimentService.class);
                while (experiments.get(e.id()).state() != ExperimentState.COMPLETE) {
                    assertThat(System.nanoTime()).as("experiment completed in time; worker logs in webui/target/multi-process-worker-*.log")
                            .isLessThan(deadline + Duration.ofMinutes(5).toNanos());
                    Thread.sleep(500);
                }
                MetricService metrics = app.getBean(MetricService.class);
                List<TrialInfo> done = all(trials, e.id());
                assertThat(done).hasSize(3).allSatisfy(t -> {
                    assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
                    assertThat(metrics.curve(t.id())).extracting(m -> m.metrics().epoch()).containsExactly(0, 1, 2);
                });
                TrialInfo resumed = trials.get(victim.id());
                assertThat(resumed.attempts()).isEqualTo(2);
                assertThat(resumed.workerId()).isNotEqualTo("w" + killed);
                Optional<String> resume = app.getBean(EventService.class).ofTrial(victim.id(), 50).stream()
                        .map(EventInfo::message).filter(m -> m.contains("resumes after ")).findFirst();
                assertThat(resume).as("resume event").isPresent();
                int after = Integer.parseInt(resume.get().replaceAll(".*resumes after (\\d+) epoch\\(s\\).*", "$1"));
                assertThat(after).as("epochs the new worker did not train again").isGreaterThanOrEqualTo(2);
                assertThat(resume.get()).contains("on worker " + resumed.workerId());
            }
        } finally {
            // workers first (SIGTERM: they release their trials), the database last
            for (Process p : workers) {
                p.destroy();
            }
            for (Process p : workers) {
                if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            postgres.close();
        }
    }

    private static List<TrialInfo> all(TrialService trials, long experimentId) {
        return trials.page(experimentId, null, Pageable.unpaged(Sort.by("number"))).getContent();
    }
}
