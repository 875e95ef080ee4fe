package dev.templatelab.cli;

import static dev.templatelab.cli.CapturedOutput.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.cli.CapturedOutput.Run;
import dev.templatelab.testdata.TinyDigits;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.experiments.ExperimentRow;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.training.checkpoint.Checkpoints;
import java.nio.file.Files;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.domain.Pageable;

/** {@code tune --json}: a real, tiny experiment over two templates on the bundled digits, embedded PostgreSQL. */
class TuneCliTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final TemporaryUserHome home = new TemporaryUserHome(() -> dir);   // the database and artifacts inside dir

    @Test
    void tuneTwoTemplatesPrintsTheBestCheckpointAndEveryTrial() throws Exception {
        // A zip: tune and each trial extract it, and delete what they extracted.
        Path folder = TinyDigits.write(dir, 3, 20);
        Path data = TinyDigits.zip(folder, dir.resolve("tiny.zip"));
        Run r = run("tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2,Clarifai_ResNext",
                "--trials", "4", "--max-epochs", "2", "--sampler", "random", "--pruner", "asha", "--random-init",
                "--seed", "3", "--set", "image_size=32", "--set", "width_multiplier=0.125", "--set", "batch_size=16",
                "--set", "validation_fraction=0.3", "--set", "Clarifai_InceptionV2.lrate=0.01..0.1", "--max-parallel", "3",
                "--json");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        assertThat(r.err()).contains("1 at a time here, up to 3 with other workers").contains("trials 4/4 done");
        JsonNode result = new ObjectMapper().readTree(r.out());
        JsonNode best = result.get("best");
        assertThat(best.get("template").asText()).isIn("Clarifai_InceptionV2", "Clarifai_ResNext");
        assertThat(best.get("state").asText()).isEqualTo("COMPLETE");
        assertThat(best.get("objective").asDouble()).isBetween(0.0, 1.0);
        assertThat(best.get("epoch").asInt()).as("its checkpoint's epoch, 1-based").isBetween(1, 2);
        assertThat(best.get("params").get("image_size").asInt()).isEqualTo(32);
        Path checkpoint = Path.of(best.get("checkpoint").asText());
        assertThat(checkpoint).exists();
        assertThat(Checkpoints.sha256(checkpoint)).isEqualTo(best.get("sha256").asText());
        assertThat(result.get("trials")).as("trials; stderr: %s", r.err()).hasSize(4).allSatisfy(t -> {
            assertThat(t.get("template").asText()).isIn("Clarifai_InceptionV2", "Clarifai_ResNext");
            assertThat(t.get("state").asText()).isIn("COMPLETE", "PRUNED");
            assertThat(t.get("epochs").asInt()).isBetween(1, 2);
            assertThat(t.get("objective").isNumber()).isTrue();
        });
        List<String> registered = registeredDataset();
        assertThat(registered.get(0)).as("the dataset tune registered, as the Datasets page shows it")
                .isEqualTo("{\"0\": 20, \"1\": 20, \"2\": 20}");
        // The zip was extracted once, where uploads go, and that folder registered; no trial extracted it again.
        Path extracted = Path.of(java.net.URI.create(registered.get(1)));
        assertThat(extracted).isDirectory().startsWith(dir.resolve(".templatelab").resolve("datasets").toRealPath());
        assertThat(extracted.resolveSibling(extracted.getFileName() + ".lock")).as("no longer held").doesNotExist();
        Path work = dir.resolve(".templatelab").resolve("work");
        try (var left = Files.walk(work)) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith("import-")).toList())
                    .as("zip extractions left in " + work).isEmpty();
        }

        // The same images as a folder elsewhere: the zip's copy under TEMPLATELAB_HOME/datasets is reused.
        Run again = run("tune", "--data", folder.toString(), "--templates", "Clarifai_InceptionV2", "--trials", "1",
                "--max-epochs", "1", "--random-init", "--set", "image_size=32", "--set", "width_multiplier=0.125",
                "--set", "batch_size=16", "--set", "validation_fraction=0.3", "--json");
        assertThat(again.code()).as("stderr: %s", again.err()).isZero();
        assertThat(again.err()).contains("the same images are registered as dataset '");
        assertThat(registeredDataset()).as("still one dataset").isEqualTo(registered);
    }

    /** The class counts and storage URI of the one dataset in this home's embedded database (tune has stopped it). */
    private List<String> registeredDataset() throws Exception {
        try (var db = dev.templatelab.storage.config.EmbeddedPostgresServer.start(dir.resolve(".templatelab")
                .resolve("postgres"));
             var connection = java.sql.DriverManager.getConnection(db.jdbcUrl(),
                     dev.templatelab.storage.config.EmbeddedPostgresServer.USER, null);
             var rows = connection.createStatement().executeQuery("SELECT class_counts::text, storage_uri FROM datasets")) {
            assertThat(rows.next()).isTrue();
            List<String> dataset = List.of(rows.getString(1), rows.getString(2));
            assertThat(rows.next()).as("one dataset").isFalse();
            return dataset;
        }
    }

    @Test
    void badRequestsAreOneLineErrors() throws Exception {
        Path data = TinyDigits.write(dir, 2, 5);
        Path database = dir.resolve(".templatelab").resolve("postgres");
        Run r = run("tune", "--data", data.toString(), "--templates", "Clarifai_ResNet9000", "--trials", "2");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("error: --templates: unknown template 'Clarifai_ResNet9000'; known:");
        Run s = run("tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2", "--set", "flip_probability=0..3");
        assertThat(s.code()).isEqualTo(2);
        assertThat(s.err()).contains("error: --set:").contains("flip_probability");
        Run zero = run("tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2", "--trials", "0");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err()).contains("error: --trials: ");
        Run p = run("tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2", "--parallel", "2",
                "--max-parallel", "1");
        assertThat(p.code()).isEqualTo(2);
        assertThat(p.err()).contains("error: --max-parallel (1) must be at least --parallel (2)");
        Run grid = run("tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2", "--sampler", "grid");
        assertThat(grid.code()).isEqualTo(2);
        assertThat(grid.err()).contains("error: --sampler: grid search needs a discrete space");
        Run pruner = run("tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2", "--pruner",
                "asha:reduction_factor=1");
        assertThat(pruner.code()).isEqualTo(2);
        assertThat(pruner.err()).contains("error: --pruner: ");
        Run budget = run("tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2", "--max-epochs", "4",
                "--max-total-epochs", "3");
        assertThat(budget.code()).isEqualTo(2);
        assertThat(budget.err()).contains("error: --max-total-epochs: with ASHA the epoch budget must hold at least one "
                + "whole trial, 4 epochs; got 3");
        assertThat(database).as("each refused before the database started and the images were read").doesNotExist();

        // What a tune interrupted during a zip's extraction left (an import- folder nobody holds) goes at the next one.
        Path abandoned = Files.createDirectories(dir.resolve(".templatelab/datasets/import-123/digits/0"));
        Files.writeString(abandoned.resolve("half-written.png"), "cut off");

        // Whether the data is multi-label is known only once it is imported.
        Run map = run("tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2", "--objective", "map");
        assertThat(map.code()).isEqualTo(2);
        assertThat(map.err()).contains("error: --objective map is measured on multi-label data only");
        assertThat(dir.resolve(".templatelab/datasets/import-123")).doesNotExist();
        assertThat(database).as("started, and migrated").exists();
        assertThat(map.err()).as("Flyway's warning about the out-of-order migrations the project uses on purpose")
                .doesNotContain("outOfOrder");
    }

    /**
     * Failed trials say why in the report, without a trip to the logs: here grid points whose validation and test
     * fractions hold out every image, which fail at once (a retry would draw them again). The dataset also holds an
     * image cut off after its header: the import skips it with a warning, and the trials train without it (their own
     * import, finding the folder's files hash otherwise than the registered dataset, decodes them again).
     */
    @Test
    void failedTrialsSayWhyAndADamagedImageIsSkippedAtImport() throws Exception {
        Path data = TinyDigits.write(dir, 2, 10);
        Path damaged;
        try (var images = java.nio.file.Files.walk(data)) {
            damaged = images.filter(f -> f.toString().endsWith(".png")).sorted().findFirst().orElseThrow();
        }
        byte[] png = java.nio.file.Files.readAllBytes(damaged);
        java.nio.file.Files.write(damaged, java.util.Arrays.copyOf(png, 33));   // signature and IHDR, no pixels
        // Grid order: validation_fraction 0.6 first (fails with test_fraction 0.5), then 0.2.
        List<String> tune = List.of("tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2",
                "--max-epochs", "1", "--sampler", "grid", "--pruner", "none", "--random-init", "--set", "image_size=32",
                "--set", "width_multiplier=0.125", "--set", "batch_size=4", "--set", "per_item_lrate=0.001", "--set",
                "weight_decay=0.0001", "--set", "flip_probability=0.5", "--set", "validation_fraction=0.6,0.2", "--set",
                "test_fraction=0.5");
        String why = "validation_fraction + test_fraction must be below 1 so some images are left to train on, got "
                + "0.6 + 0.5 (not retried: these hyperparameters fail again)";

        Run none = run(with(tune, "--trials", "1"));
        assertThat(none.code()).as("stderr: %s", none.err()).isEqualTo(1);
        assertThat(none.out()).contains("no trial completed\ntrial #0 failed: " + why);
        assertThat(none.out() + none.err()).contains("warning: ", damaged.getFileName().toString(), "damaged pixel data");

        Run some = run(with(tune, "--trials", "2"));
        assertThat(some.code()).as("stderr: %s", some.err()).isZero();
        assertThat(some.out()).contains("best: trial #1 Clarifai_InceptionV2", "\ntrial #0 failed: " + why)
                .doesNotContain("no trial completed");

        JsonNode trials = new ObjectMapper().readTree(run(with(tune, "--trials", "1", "--json")).out()).get("trials");
        assertThat(trials.get(0).get("state").asText()).isEqualTo("FAIL");
        assertThat(trials.get(0).get("error").asText()).isEqualTo(why);
    }

    private static String[] with(List<String> args, String... more) {
        List<String> all = new java.util.ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /**
     * An interrupted {@code tune} (SIGTERM here; Ctrl-C runs the same shutdown hooks) leaves its experiment RUNNING and
     * says where it goes on; the next {@code tune} on that database runs its own experiment only, not the old one's
     * trials first (which it would, as running experiments come first, once their silence passes the grace).
     */
    @Test
    void anInterruptedTuneDoesNotHoldUpTheNext() throws Exception {
        Path data = TinyDigits.write(dir, 2, 15);
        String said = CliProcess.interruptedWhen(dir, output -> output.contains(", 1 running"), "a trial started",
                "tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2", "--trials", "2",
                "--max-epochs", "50", "--pruner", "none", "--set", "image_size=32", "--set", "width_multiplier=0.125",
                "--set", "batch_size=16", "--set", "validation_fraction=0.3");
        assertThat(said).contains("interrupted: experiment 1 (", ") stays RUNNING");
        assertThat(said.substring(said.indexOf("interrupted: experiment"))).as("progress after the message")
                .doesNotContain("] trials ");

        // A short grace: the second tune's worker sees the first one's trial as abandoned at once.
        System.setProperty("templatelab.tuning.heartbeat-interval", "500ms");
        System.setProperty("templatelab.tuning.heartbeat-grace", "2s");
        Run second;
        try {
            second = run("tune", "--data", data.toString(), "--templates", "Clarifai_InceptionV2", "--trials", "1",
                    "--max-epochs", "1", "--pruner", "none", "--set", "image_size=32", "--set", "width_multiplier=0.125",
                    "--set", "batch_size=16", "--set", "validation_fraction=0.3", "--json");
        } finally {
            System.clearProperty("templatelab.tuning.heartbeat-interval");
            System.clearProperty("templatelab.tuning.heartbeat-grace");
        }
        assertThat(second.code()).as("stderr: %s", second.err()).isZero();
        assertThat(new ObjectMapper().readTree(second.out()).get("experiment").asLong()).isEqualTo(2);
        try (var db = dev.templatelab.storage.config.EmbeddedPostgresServer.start(dir.resolve(".templatelab")
                .resolve("postgres"));
             var connection = java.sql.DriverManager.getConnection(db.jdbcUrl(),
                     dev.templatelab.storage.config.EmbeddedPostgresServer.USER, null);
             var old = connection.createStatement().executeQuery(
                     "SELECT count(*), max(attempts), max(state) FROM trials WHERE experiment_id = 1")) {
            assertThat(old.next()).isTrue();
            assertThat(old.getInt(1)).as("no new trial of the old experiment").isEqualTo(1);
            // Ctrl-C stopped the first tune's worker while its database still ran: it handed the trial back (its
            // attempt given back, as a pause does), and the second tune did not claim it.
            assertThat(old.getString(3)).as("the interrupted trial, handed back").isEqualTo("WAITING");
            assertThat(old.getInt(2)).as("its trial not claimed again by the second tune").isZero();
        }
    }

    /**
     * A tune whose experiment is cancelled from serve (another process on its database; here a context of its own)
     * counts the cancelled trial in its progress and hands over the best cancelled trial's checkpoint in its report
     * and its {@code --json}, as the REST download does; it exits 1, as no trial completed.
     */
    @Test
    void aTuneCancelledFromServeHandsOverItsBestCancelledTrial() throws Exception {
        Path data = TinyDigits.write(dir, 2, 15);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
        String url = postgres.getJdbcUrl("postgres", "postgres");
        try (ConfigurableApplicationContext server = TuningCli.start(url, 0, Map.of())) {
            for (boolean json : List.of(false, true)) {
                ExecutorService canceller = Executors.newSingleThreadExecutor();
                Future<Long> cancelled = canceller.submit(() -> cancelAfterTheFirstCheckpoint(server));
                Run r;
                try {
                    List<String> args = new ArrayList<>(List.of("tune", "--data", data.toString(), "--db", url,
                            "--templates", "Clarifai_InceptionV2", "--trials", "2", "--max-epochs", "40", "--pruner",
                            "none", "--set", "image_size=32", "--set", "width_multiplier=0.125", "--set", "batch_size=16",
                            "--set", "validation_fraction=0.3"));
                    if (json) {
                        args.add("--json");
                    }
                    r = run(args.toArray(String[]::new));
                } finally {
                    canceller.shutdownNow();
                }
                long experiment = cancelled.get(10, TimeUnit.SECONDS);
                assertThat(r.code()).as("no trial completed; stdout: %s%nstderr: %s", r.out(), r.err()).isEqualTo(1);
                assertThat(json ? r.err() : r.out()).as("progress").contains("(0 complete, 0 pruned, 0 failed, 1 cancelled)");
                TrialInfo trial = server.getBean(TrialService.class).page(experiment, null, Pageable.unpaged())
                        .getContent().get(0);
                assertThat(trial.state()).isEqualTo(TrialState.CANCELLED);
                CheckpointInfo kept = server.getBean(CheckpointService.class).best(trial.id()).orElseThrow();
                Path file = Path.of(kept.uri());
                assertThat(file).exists();
                assertThat(Checkpoints.sha256(file)).isEqualTo(kept.sha256());
                if (json) {
                    JsonNode best = new ObjectMapper().readTree(r.out()).get("best");
                    assertThat(best.get("state").asText()).isEqualTo("CANCELLED");
                    assertThat(best.get("template").asText()).isEqualTo("Clarifai_InceptionV2");
                    assertThat(best.get("objective").asDouble()).isEqualTo(trial.objectiveValue());
                    assertThat(best.get("epoch").asInt()).isEqualTo(kept.epoch() + 1);
                    assertThat(best.get("checkpoint").asText()).isEqualTo(file.toString());
                    assertThat(best.get("sha256").asText()).isEqualTo(kept.sha256());
                    assertThat(best.get("params").get("image_size").asInt()).isEqualTo(32);
                } else {
                    assertThat(r.out()).contains("no trial completed")
                            .contains(String.format(Locale.ROOT, "best cancelled trial: #0 Clarifai_InceptionV2, "
                                    + "accuracy = %.4f at epoch %d", trial.objectiveValue(), kept.epoch() + 1))
                            .contains("checkpoint " + file).contains("sha256     " + kept.sha256());
                }
            }
        } finally {
            postgres.close();
        }
    }

    /** Waits for the running experiment's first checkpoint, then cancels the experiment as serve's Cancel does. */
    private static long cancelAfterTheFirstCheckpoint(ConfigurableApplicationContext server)
            throws InterruptedException {
        ExperimentService experiments = server.getBean(ExperimentService.class);
        TrialService trials = server.getBean(TrialService.class);
        CheckpointService checkpoints = server.getBean(CheckpointService.class);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            for (ExperimentRow row : experiments.list(ExperimentState.RUNNING, Pageable.unpaged())) {
                for (TrialInfo t : trials.page(row.experiment().id(), null, Pageable.unpaged())) {
                    if (checkpoints.latest(t.id()).isPresent()) {
                        experiments.cancel(row.experiment().id());
                        return row.experiment().id();
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no checkpoint within 3 minutes");
    }
}
