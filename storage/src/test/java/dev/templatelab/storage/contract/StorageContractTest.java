package dev.templatelab.storage.contract;

import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.events.EventService;
import dev.templatelab.storage.experiments.Budget;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.NewExperiment;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.storage.metrics.MetricWriter;
import dev.templatelab.storage.testapp.StorageTestApplication;
import dev.templatelab.storage.trials.NewTrial;
import dev.templatelab.storage.trials.TrialParam;
import dev.templatelab.storage.trials.TrialService;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Base of the storage contract suite: one Spring context (so one database) shared by every contract
 * test class. It runs on embedded PostgreSQL, or on the server named by {@code DATABASE_URL} when
 * that is set, so tests never assume an empty database: every test makes its own uniquely named
 * datasets and experiments and looks only at those.
 */
@SpringBootTest(classes = StorageTestApplication.class)
public abstract class StorageContractTest {

    /** TEMPLATELAB_HOME of the suite (embedded database, artifacts), fresh for every test JVM. */
    static final Path HOME = freshHome();

    @DynamicPropertySource
    static void storageHome(DynamicPropertyRegistry registry) {
        registry.add("TEMPLATELAB_HOME", HOME::toString);
    }

    @Autowired protected DatasetService datasets;
    @Autowired protected ExperimentService experiments;
    @Autowired protected TrialService trials;
    @Autowired protected MetricService metrics;
    @Autowired protected MetricWriter metricWriter;
    @Autowired protected CheckpointService checkpoints;
    @Autowired protected EventService events;
    @Autowired protected JdbcTemplate jdbc;

    protected static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    protected DatasetInfo newDataset() {
        return datasets.register(new NewDataset(unique("digits"), List.of("0", "1", "2"), 30,
                Map.of("0", 10, "1", 10, "2", 10), "ab".repeat(32), URI.create("file:///data/digits")));
    }

    protected NewExperiment spec(long datasetId, Direction direction) {
        return new NewExperiment(unique("exp"), datasetId, List.of("Clarifai_ResNet", "Clarifai_ResNext"),
                "{\"lr\": {\"type\": \"float\", \"low\": 1e-5, \"high\": 1.0, \"log\": true}}", "tpe", "median",
                new Budget(50, 10, 3600L, 400, 0.99), Metric.VAL_ACCURACY, direction, 4, "alice");
    }

    /** A QUEUED experiment (maximising validation accuracy) with {@code n} WAITING trials. */
    protected ExperimentInfo newExperiment(int n) {
        return newExperiment(n, Direction.MAXIMIZE);
    }

    protected ExperimentInfo newExperiment(int n, Direction direction) {
        return experiments.create(spec(newDataset().id(), direction), newTrials(n));
    }

    protected static List<NewTrial> newTrials(int n) {
        List<NewTrial> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new NewTrial(i % 2 == 0 ? "Clarifai_ResNet" : "Clarifai_ResNext", List.of(
                    TrialParam.ofNumber("lr", 0.001 * (i + 1), "{\"type\":\"float\",\"low\":1e-5,\"high\":1.0,\"log\":true}"),
                    TrialParam.ofChoice("optimizer", i % 2 == 0 ? "adam" : "sgd", i % 2,
                            "{\"type\":\"categorical\",\"choices\":[\"adam\",\"sgd\"]}"))));
        }
        return list;
    }

    private static Path freshHome() {
        Path home = Path.of("target", "contract-test-home").toAbsolutePath();
        try {
            if (Files.exists(home)) {
                try (Stream<Path> files = Files.walk(home)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            return Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
