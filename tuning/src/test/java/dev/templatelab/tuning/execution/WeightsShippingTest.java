package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.storage.artifacts.ArtifactStore;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.StoredArtifact;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.storage.events.EventInfo;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.TrainingJob;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.fit.CancellationToken;
import dev.templatelab.training.transfer.WeightsRegistry;
import dev.templatelab.tuning.space.SearchSpace;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

/**
 * Pretrained weights travel like datasets: launching copies the registered weights the space names into the artifact
 * store, and a worker whose registry lacks them (another machine; here the entry is replaced) trains from that copy.
 */
class WeightsShippingTest extends DigitsExperimentTest {

    private static final String TEMPLATE = "Clarifai_InceptionTransferEmbedNorm";
    private static final Map<String, Object> TINY = Map.of("image_size", 64, "width_multiplier", 0.0625, "batch_size", 16,
            "validation_fraction", 0.3, "num_epochs", 1);

    @TempDir
    Path temp;

    @Autowired StorageLocations locations;
    @Autowired ArtifactStore artifacts;
    @Autowired TuningSettingsStore tuningSettings;
    @Autowired WeightsCopies weightsCopies;
    @Autowired CopiesSweep copiesSweep;

    @Test
    void aWorkerWhoseRegistryLacksTheWeightsTrainsFromTheExperimentsCopy() throws IOException {
        String name = unique("digits-w");
        WeightsRegistry registry = new WeightsRegistry(new TemplateLabHome(locations.home()).weights());
        Path first = pretrain("first");
        WeightsRegistry.Entry registered = registry.register(TEMPLATE, name, first);
        Map<String, Object> space = new LinkedHashMap<>(TINY);
        space.put("lrate", 0.05);
        space.put("pretrained_weights", name);

        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("weights"), newDataset(digits).id(),
                List.of(TEMPLATE), "random", "none", 1, 1, 1, "accuracy", space, null, 3L));
        StoredArtifact copy = tuningSettings.find(e.id()).orElseThrow().weightsCopies().get(TEMPLATE + "/" + name);
        assertThat(copy).as("launch copied the weights into the artifact store").isNotNull();
        assertThat(copy.sha256()).isEqualTo(registered.sha256());
        assertThat(artifacts.exists(copy.uri())).isTrue();
        // This machine's registry now holds other weights under that name, as another machine's might.
        registry.register(TEMPLATE, name, pretrain("second"), WeightsRegistry.IfRegistered.REPLACE);

        for (int i = 0; i < 2 && trialsOf(e.id()).stream().noneMatch(t -> t.state() == TrialState.COMPLETE); i++) {
            worker("weights-worker").workOnce();
        }

        TrialInfo trial = trialsOf(e.id()).stream().filter(t -> t.state() == TrialState.COMPLETE).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> used = (Map<String, Object>) readCheckpoint(trial).extra().get("pretrainedWeights");
        assertThat(used).as("the weights the experiment was launched with, not the local registry's")
                .containsEntry("name", name).containsEntry("sha256", registered.sha256());
        assertThat((String) used.get("file")).contains("weights-copies");

        // Where the local registry holds that very file, it is used as it is.
        registry.register(TEMPLATE, name, first, WeightsRegistry.IfRegistered.REPLACE);
        assertThat(weightsCopies.homeFor(TEMPLATE, Map.of("pretrained_weights", name), Map.of(TEMPLATE + "/" + name, copy))
                .weights()).isEqualTo(new TemplateLabHome(locations.home()).weights());

        // The fetched copy stays while an unfinished experiment records it or a trial used it within a day.
        Path fetched = locations.home().resolve("weights-copies").resolve(WeightsCopies.copyFolder(TEMPLATE, name, copy));
        assertThat(fetched).isDirectory();
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
        copiesSweep.sweep();
        assertThat(fetched).as("used just now").isDirectory();
        ExperimentInfo again = launcher.launch(new ExperimentRequest(unique("weights-again"), newDataset(digits).id(),
                List.of(TEMPLATE), "random", "none", 1, 1, 1, "accuracy", space, null, 3L));
        Files.setLastModifiedTime(fetched, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        copiesSweep.sweep();
        assertThat(fetched).as("recorded by a queued experiment").isDirectory();
        experiments.cancel(again.id());
        copiesSweep.sweep();
        assertThat(fetched).as("unused for two days, needed by no unfinished experiment").doesNotExist();
    }

    @Test
    void theSweepWaitsWhileAnotherProcessWithThisHomeHoldsTheCopiesLock() throws Exception {
        Path unused = Files.createDirectories(locations.home().resolve("weights-copies")
                .resolve(unique("Clarifai_ResNext-gone") + "-0123456789abcdef"));
        Files.setLastModifiedTime(unused, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), HoldsFileLock.class.getName(),
                weightsCopies.sweepLockFile().toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            var reader = new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream()));
            var locked = java.util.concurrent.CompletableFuture.supplyAsync(() -> reader.lines()
                    .anyMatch("locked"::equals));   // after whatever else the JVM may print first
            assertThat(locked.get(60, java.util.concurrent.TimeUnit.SECONDS)).as("the other process took the lock")
                    .isTrue();

            var started = new java.util.concurrent.CountDownLatch(1);
            var sweep = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                started.countDown();
                try {
                    return weightsCopies.sweepUnused(java.util.Set.of());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(started.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            Thread.sleep(1000);
            assertThat(sweep).as("waiting for the other process (which may be marking this copy used)").isNotDone();
            assertThat(unused).isDirectory();

            other.getOutputStream().close();   // the other process lets go
            assertThat(sweep.get(30, java.util.concurrent.TimeUnit.SECONDS)).isGreaterThanOrEqualTo(1);
            assertThat(unused).doesNotExist();
            try (var left = Files.list(unused.getParent())) {
                assertThat(left.map(f -> f.getFileName().toString())).as("moved aside, then deleted")
                        .noneMatch(n -> n.startsWith(".fetch-removed-"));
            }
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void weightsNotRegisteredWhereTheExperimentIsLaunchedAreLeftToTheWorkersWithAWarning() {
        Map<String, Object> space = new LinkedHashMap<>(TINY);
        space.put("pretrained_weights", "not-registered-here");

        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("no-weights"), newDataset(digits).id(),
                List.of(TEMPLATE), "random", "none", 1, 1, 1, "accuracy", space, null, 3L));

        assertThat(tuningSettings.find(e.id()).orElseThrow().weightsCopies()).isEmpty();
        assertThat(events.recent(e.id(), 10)).extracting(EventInfo::message).anyMatch(m -> m.contains(
                "pretrained weights " + TEMPLATE + "/not-registered-here (template/name) are not registered where the "
                        + "experiment was launched"));
        experiments.cancel(e.id());
    }

    @Test
    void everyNameASpaceCanDrawIsCopiedButNone() {
        SearchSpace space = SearchSpace.parseJson(List.of(TEMPLATE, "Clarifai_ResNext"), "{\"pretrained_weights\": [\"a\", \"NONE\"], "
                + "\"Clarifai_ResNext.pretrained_weights\": [\"b\", \"c\"]}");

        assertThat(WeightsCopies.names(space.templates().get(0))).containsExactly("a");
        assertThat(WeightsCopies.names(space.templates().get(1))).containsExactly("b", "c");
    }

    private List<TrialInfo> trialsOf(long experimentId) {
        return trials.page(experimentId, null, Pageable.unpaged(Sort.by("number"))).getContent();
    }

    /** One epoch on the digits: weights of the tiny template to start from. */
    private Path pretrain(String label) throws IOException {
        Path out = temp.resolve(label + ".tlckpt");
        Map<String, String> overrides = new LinkedHashMap<>();
        TINY.forEach((k, v) -> overrides.put(k, String.valueOf(v)));
        overrides.put("seed", label.equals("first") ? "1" : "2");
        TrainingJob.run(new TrainingJob.Request(TEMPLATE, digits, overrides, out, true, false,
                new TemplateLabHome(temp.resolve("home-" + label))), new PrintWriter(new StringWriter()), List.of(),
                new CancellationToken());
        return out;
    }

    private dev.templatelab.training.checkpoint.CheckpointMetadata readCheckpoint(TrialInfo t) throws IOException {
        CheckpointInfo best = checkpoints.best(t.id()).orElseThrow();
        Path file = temp.resolve("best-" + t.id() + ".tlckpt");
        try (InputStream in = checkpoints.open(best.id())) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return Checkpoints.readMetadata(file);
    }
}
