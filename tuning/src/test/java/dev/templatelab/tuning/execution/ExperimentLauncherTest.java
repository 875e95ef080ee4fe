package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.transfer.WeightsRegistry;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.space.SpaceParameter;
import dev.templatelab.tuning.testapp.TuningDbTest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class ExperimentLauncherTest extends TuningDbTest {

    private static final String V2 = "Clarifai_InceptionV2";
    private static final String RESNEXT = "Clarifai_ResNext";

    @Autowired ExperimentLauncher launcher;
    @Autowired TuningSettingsStore settings;
    @Autowired ExperimentStudies studies;

    private ExperimentRequest valid(long datasetId) {
        Map<String, Object> space = new LinkedHashMap<>();
        space.put("per_item_lrate", Map.of("low", 1e-4, "high", 1e-2, "log", true));
        space.put("batch_size", List.of(16, 32));
        space.put("image_size", 32);
        return new ExperimentRequest(unique("exp"), datasetId, List.of("Clarifai_InceptionV2", "Clarifai_ResNext"),
                "tpe", "asha", 8, 3, 2, "accuracy", space, Duration.ofMinutes(30), 7L, null, null, true, "alice");
    }

    @Test
    void aValidRequestCreatesAQueuedExperimentWithItsResolvedSpaceAndSeed() {
        ExperimentRequest request = valid(newDataset(null).id());
        ExperimentInfo e = launcher.launch(request);
        assertThat(e.state()).isEqualTo(ExperimentState.QUEUED);
        assertThat(e.templates()).containsExactly("Clarifai_InceptionV2", "Clarifai_ResNext");
        assertThat(e.objective()).isEqualTo(Metric.VAL_ACCURACY);
        assertThat(e.direction()).isEqualTo(Direction.MAXIMIZE);
        assertThat(e.budget().maxTrials()).isEqualTo(8);
        assertThat(e.budget().maxWallClockSeconds()).isEqualTo(1800L);
        SearchSpace space = SearchSpace.fromJson(e.searchSpaceJson());
        assertThat(space.template("Clarifai_ResNext").parameter("num_epochs").contains(3)).isTrue();
        assertThat(space.template("Clarifai_ResNext").parameter("num_epochs").isSingle()).isTrue();
        assertThat(space.template("Clarifai_InceptionV2").parameter("batch_size").contains(32)).isTrue();
        assertThat(settings.find(e.id())).contains(new TuningSettings(7, "val_accuracy", true, 3));
    }

    /** The 30-minute wall clock of {@link #valid}: waiting in the queue and pauses do not use it up. */
    @Test
    void theWallClockBudgetCountsRunningTimeNotTimeQueuedOrPaused() {
        ExperimentInfo e = launcher.launch(valid(newDataset(null).id()));
        jdbc.update("UPDATE experiments SET created_at = now() - interval '2 hours' WHERE id = ?", e.id());
        assertThat(stopReason(e.id())).as("queued for two hours, never started").isEmpty();

        jdbc.update("UPDATE experiments SET state = 'RUNNING', started_at = now() - interval '2 hours' WHERE id = ?", e.id());
        assertThat(stopReason(e.id())).hasValueSatisfying(r -> assertThat(r).matches("ran 720\\d s .*")
                .endsWith("the wall-clock budget is 1800 s"));

        jdbc.update("UPDATE experiments SET paused_seconds = 6000 WHERE id = ?", e.id());
        assertThat(stopReason(e.id())).as("running for 20 minutes, paused for 100").isEmpty();
        experiments.cancel(e.id());
    }

    private java.util.Optional<String> stopReason(long experimentId) {
        ExperimentInfo e = experiments.get(experimentId);
        return studies.open(e, studies.storage(e, "test")).stopReason();
    }

    @Test
    void lossIsMinimised() {
        ExperimentRequest x = valid(newDataset(null).id());
        // the short constructor: no random init, so only a from-scratch template is accepted
        ExperimentInfo e = launcher.launch(new ExperimentRequest(x.name(), x.datasetId(), List.of("Clarifai_InceptionV2"),
                x.sampler(), x.pruner(), x.maxTrials(), x.maxEpochsPerTrial(), x.parallelism(), "loss", x.searchSpace(),
                null, null));
        assertThat(e.direction()).isEqualTo(Direction.MINIMIZE);
        assertThat(e.objective()).isEqualTo(Metric.VAL_LOSS);
    }

    @Test
    void everyBadFieldIsNamedWithAnActionableMessageAndNothingIsCreated() {
        long dataset = newDataset(null).id();
        ExperimentRequest ok = valid(dataset);
        int before = count();
        expectInvalid(copy(ok, "name", " "), "name", "name of 1-200");
        expectInvalid(copy(ok, "datasetId", 987654321L), "datasetId", "no dataset with id 987654321");
        expectInvalid(copy(ok, "templates", List.of("Clarifai_ResNet9000")), "templates", "unknown template 'Clarifai_ResNet9000'; known:");
        expectInvalid(copy(ok, "templates", List.of()), "templates", "at least one template");
        expectInvalid(copy(ok, "sampler", "bayes"), "sampler", "unknown sampler 'bayes'; use one of grid, random, tpe");
        expectInvalid(copy(ok, "pruner", "percentile"), "pruner", "unknown pruner 'percentile'");
        expectInvalid(copy(ok, "pruner", "asha:min_resource=0"), "pruner", "min_resource must be at least 1, got 0");
        expectInvalid(copy(ok, "maxTrials", 0), "maxTrials", "at least 1, got 0");
        expectInvalid(copy(ok, "maxEpochsPerTrial", 0), "maxEpochsPerTrial", "must be 1..");
        expectInvalid(copy(ok, "parallelism", 0), "parallelism", "at least 1");
        expectInvalid(copy(ok, "maxTotalEpochs", 0), "maxTotalEpochs", "at least 1, got 0");
        expectInvalid(copy(ok, "maxTotalEpochs", 2), "maxTotalEpochs",
                "with ASHA the epoch budget must hold at least one whole trial, 3 epochs; got 2");
        expectInvalid(copy(ok, "objective", "top5"), "objective", "unknown objective 'top5'; known: accuracy, macro_f1, loss, map");
        expectInvalid(copy(ok, "target", 5.0), "target", "must be between 0.0 and 1.0 for objective accuracy, got 5.0");
        expectInvalid(copy(copy(ok, "objective", "loss"), "target", -0.5), "target",
                "must be at least 0.0 for objective loss, got -0.5");
        expectInvalid(copy(ok, "name", "two\nlines"), "name", "may not contain control characters");
        // A refused space names the parameter at fault, in the space of the template that refused it.
        expectInvalid(copy(ok, "searchSpace", Map.of("learning_speed", 3)), "searchSpace", "learning_speed",
                new SpaceParameter(V2, "learning_speed"));
        expectInvalid(copy(ok, "searchSpace", Map.of("per_item_lrate", Map.of("low", 0.1, "high", 0.001))),
                "searchSpace", "per_item_lrate", new SpaceParameter(V2, "per_item_lrate"));
        expectInvalid(copy(ok, "searchSpace", Map.of("flip_probability", Map.of("low", 0, "high", 3))),
                "searchSpace", "flip_probability", new SpaceParameter(V2, "flip_probability"));
        expectInvalid(copy(ok, "searchSpace", Map.of("num_epochs", Map.of("low", 1, "high", 9))),
                "searchSpace", "goes up to 9 but a trial may train at most 3", new SpaceParameter(V2, "num_epochs"));
        expectInvalid(copy(ok, "searchSpace", Map.of(V2 + ".num_epochs", 2, RESNEXT + ".num_epochs", 4)),
                "searchSpace", "num_epochs of " + RESNEXT + " goes up to 4", new SpaceParameter(RESNEXT, "num_epochs"));
        expectInvalid(copy(ok, "sampler", "grid"), "sampler", "grid search needs a discrete space");
        // Each fraction is within range, but even the smallest pair would hold out every image.
        expectInvalid(copy(ok, "searchSpace", Map.of("validation_fraction", Map.of("low", 0.5, "high", 0.7),
                "test_fraction", List.of(0.6, 0.5))), "searchSpace", "validation_fraction + test_fraction must be below 1 "
                + "so some images are left to train on, got 0.5 + 0.5 (the smallest values this space draws)",
                new SpaceParameter(V2, "validation_fraction"), new SpaceParameter(V2, "test_fraction"));
        expectInvalid(copy(ok, "searchSpace", Map.of(RESNEXT + ".test_fraction", 0.8)), "searchSpace", "got 0.2 + 0.8",
                new SpaceParameter(RESNEXT, "validation_fraction"), new SpaceParameter(RESNEXT, "test_fraction"));
        expectInvalid(copy(ok, "allowRandomInit", false), "templates", "Clarifai_ResNext is meant to start from pretrained weights");
        String taken = launcher.launch(valid(dataset)).name();
        int afterOne = count();
        expectInvalid(copy(ok, "name", taken), "name", "already exists");
        assertThat(afterOne).as("one experiment and its settings row").isEqualTo(before + 2);
        assertThat(count()).as("refused requests create nothing").isEqualTo(afterOne);
        // Targets at the ends of the objective's range can be reached.
        launcher.launch(copy(valid(dataset), "target", 1.0));
        launcher.launch(copy(copy(valid(dataset), "objective", "loss"), "target", 0.0));
        // A budget of exactly one whole trial is enough for ASHA; the other pruners take any budget.
        launcher.launch(copy(valid(dataset), "maxTotalEpochs", 3));
        launcher.launch(copy(copy(valid(dataset), "pruner", "median"), "maxTotalEpochs", 2));
        // Some of its points hold out every image: those trials fail at once, the others train.
        launcher.launch(copy(valid(dataset), "searchSpace", Map.of("validation_fraction", Map.of("low", 0.2, "high", 0.7),
                "test_fraction", List.of(0.5, 0.3))));
    }

    /** The objective decides by which metric a trial keeps its best epoch: the space may not say otherwise. */
    @Test
    void checkpointMetricIsTheObjectivesNotTheSpaces() {
        long dataset = newDataset(null).id();
        Map<String, Object> space = new LinkedHashMap<>(valid(dataset).searchSpace());
        space.put("checkpoint_metric", "accuracy");
        expectInvalid(copy(valid(dataset), "searchSpace", space), "searchSpace",
                "checkpoint_metric is set by the objective (here accuracy: each trial keeps its best epoch by it)",
                new SpaceParameter(V2, "checkpoint_metric"));
    }

    /** Without bfloat16 kernels (here: the oneDNN path off, as on a CPU without AVX-512 BF16) bf16 trials never run. */
    @Test
    void bfloat16IsRefusedWhereThisMachineCannotRunIt() {
        long dataset = newDataset(null).id();
        Map<String, Object> space = new LinkedHashMap<>(valid(dataset).searchSpace());
        space.put("precision", List.of("float32", "bfloat16"));
        String before = System.getProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY);
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "true");
        try {
            expectInvalid(copy(valid(dataset), "searchSpace", space), "searchSpace",
                    "precision=bfloat16 needs workers whose CPUs have AVX-512 BF16",
                    new SpaceParameter(V2, "precision"));
            space.put("precision", "float32");
            launcher.launch(copy(valid(dataset), "searchSpace", space));
        } finally {
            if (before == null) {
                System.clearProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY);
            } else {
                System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, before);
            }
        }
    }

    /** A damaged registered file is refused at launch, as the pretrained_weights of the template that draws it. */
    @Test
    void damagedRegisteredWeightsAreRefusedOnTheirTemplatesParameter() throws java.io.IOException {
        String name = unique("damaged");
        java.nio.file.Path file = new TemplateLabHome(HOME).weights().resolve(RESNEXT)
                .resolve(name + WeightsRegistry.EXTENSION);
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.writeString(file, "not the bytes registered");
        java.nio.file.Files.writeString(Checkpoints.sidecar(file), "0".repeat(64) + "  " + file.getFileName() + "\n");
        long dataset = newDataset(null).id();
        Map<String, Object> space = new LinkedHashMap<>(valid(dataset).searchSpace());
        space.put(RESNEXT + ".pretrained_weights", name);

        expectInvalid(copy(valid(dataset), "searchSpace", space), "searchSpace", "searchSpace: pretrained_weights: "
                + file + " is corrupt", new SpaceParameter(RESNEXT, "pretrained_weights"));
    }

    private int count() {
        return jdbc.queryForObject("SELECT count(*) FROM experiments", Integer.class)
                + jdbc.queryForObject("SELECT count(*) FROM experiment_tuning", Integer.class);
    }

    /** Refused, naming {@code field} and (a search space's) {@code parameters}, none for other fields. */
    private void expectInvalid(ExperimentRequest request, String field, String message, SpaceParameter... parameters) {
        assertThatThrownBy(() -> launcher.launch(request))
                .isInstanceOfSatisfying(InvalidExperimentException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.parameters()).containsExactly(parameters);
                })
                .hasMessageContaining(message);
    }

    @SuppressWarnings("unchecked")
    private static ExperimentRequest copy(ExperimentRequest r, String field, Object value) {
        return new ExperimentRequest(
                field.equals("name") ? (String) value : r.name(),
                field.equals("datasetId") ? (Long) value : r.datasetId(),
                field.equals("templates") ? (List<String>) value : r.templates(),
                field.equals("sampler") ? (String) value : r.sampler(),
                field.equals("pruner") ? (String) value : r.pruner(),
                field.equals("maxTrials") ? (Integer) value : r.maxTrials(),
                field.equals("maxEpochsPerTrial") ? (Integer) value : r.maxEpochsPerTrial(),
                field.equals("parallelism") ? (Integer) value : r.parallelism(),
                field.equals("objective") ? (String) value : r.objective(),
                field.equals("searchSpace") ? (Map<String, Object>) value : r.searchSpace(),
                r.maxWallClock(), r.seed(), field.equals("maxTotalEpochs") ? (Integer) value : r.maxTotalEpochs(),
                field.equals("target") ? (Double) value : r.target(),
                field.equals("allowRandomInit") ? (Boolean) value : r.allowRandomInit(), r.owner());
    }
}
