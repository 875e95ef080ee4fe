package dev.templatelab.storage.config;

import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.experiments.Budget;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentSummary;
import dev.templatelab.storage.experiments.NewExperiment;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.storage.testapp.StorageTestApplication;
import dev.templatelab.storage.trials.NewTrial;
import dev.templatelab.storage.trials.TrialLease;
import dev.templatelab.storage.trials.TrialResult;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import jakarta.persistence.EntityManagerFactory;
import org.hibernate.tool.schema.spi.SchemaManagementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded database's life: a first start on an empty folder (Flyway migrates, Hibernate
 * validates), a restart on the same folder (everything is still there), a schema that drifted from
 * the entities (start-up fails). Always embedded, whatever {@code DATABASE_URL} says.
 */
class EmbeddedLifecycleTest {

    @TempDir
    Path home;

    private ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(StorageTestApplication.class)
                .properties("TEMPLATELAB_HOME=" + home, "DATABASE_URL=")
                .run();
    }

    @Test
    void aSecondProcessOnTheSameHomeIsToldWhatToDo() {
        try (EmbeddedPostgresServer first = EmbeddedPostgresServer.start(home.resolve("postgres"))) {
            assertThatThrownBy(() -> EmbeddedPostgresServer.start(home.resolve("postgres")))
                    .hasMessageContaining("is in use by another TemplateLab process with this TEMPLATELAB_HOME")
                    .hasMessageContaining("--db URL");
            assertThat(first.port()).isPositive();
        }
    }

    @Test
    void firstStartMigratesAnEmptyDatabaseAndHibernateValidates() {
        try (ConfigurableApplicationContext app = start()) {
            JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);

            assertThat(jdbc.queryForList("SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank",
                    String.class)).containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
            assertThat(jdbc.queryForList("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
                    String.class)).containsExactlyInAnyOrder("flyway_schema_history", "datasets", "experiments", "trials",
                    "trial_params", "trial_metrics", "trial_evaluations", "checkpoints", "events", "experiment_tuning",
                    "artifact_store");
            assertThat(jdbc.queryForList("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'", String.class))
                    .contains("experiments_state_created_idx", "trials_experiment_state_idx",
                            "trials_experiment_objective_idx", "trials_waiting_idx", "trial_metrics_pkey");
            assertThat(app.getBean(EntityManagerFactory.class).getProperties())
                    .containsEntry("hibernate.hbm2ddl.auto", "validate");
            assertThat(home.resolve("postgres/data/PG_VERSION")).hasContent("17");
        }
    }

    @Test
    void dataSurviveARestartOnTheSameFolder() throws IOException {
        long experimentId;
        long trialId;
        int port;
        try (ConfigurableApplicationContext app = start()) {
            long datasetId = app.getBean(DatasetService.class).register(new NewDataset("digits", List.of("0", "1"), 2,
                    Map.of("0", 1, "1", 1), null, URI.create("file:///d"))).id();
            ExperimentInfo e = app.getBean(ExperimentService.class).create(new NewExperiment("survivor", datasetId,
                    List.of("Clarifai_ResNet"), "{}", "random", "none", Budget.of(3, 2), Metric.VAL_ACCURACY,
                    Direction.MAXIMIZE, 1, null), List.of(new NewTrial("Clarifai_ResNet", List.of()),
                    new NewTrial("Clarifai_ResNet", List.of())));
            TrialService trials = app.getBean(TrialService.class);
            TrialLease lease = trials.claimNext(e.id(), "w").orElseThrow().lease();
            trials.reportEpoch(lease.trialId(), new EpochMetrics(0, 1.0, 1.0, 0.5, 0.5, 0.1, 10.0));
            trials.reportEpoch(lease.trialId(), new EpochMetrics(1, 0.5, 0.6, 0.8, 0.7, 0.1, 10.0));
            app.getBean(CheckpointService.class).save(lease.trialId(), 1,
                    new ByteArrayInputStream("best weights".getBytes()), true);
            trials.complete(lease, TrialResult.of(0.8));
            experimentId = e.id();
            trialId = lease.trialId();
            port = app.getBean(EmbeddedPostgresServer.class).port();
        }

        assertThatThrownBy(() -> new Socket("localhost", port).close())
                .as("embedded PostgreSQL stops with the application").isInstanceOf(IOException.class);

        try (ConfigurableApplicationContext app = start()) {
            assertThat(app.getBean(EmbeddedPostgresServer.class).port()).as("remembered port").isEqualTo(port);
            ExperimentSummary summary = app.getBean(ExperimentService.class).summary(experimentId);
            assertThat(summary.experiment().name()).isEqualTo("survivor");
            assertThat(summary.trials().count(TrialState.COMPLETE)).isEqualTo(1);
            assertThat(summary.trials().count(TrialState.WAITING)).isEqualTo(1);
            assertThat(summary.bestTrial().id()).isEqualTo(trialId);
            assertThat(app.getBean(MetricService.class).curve(trialId)).hasSize(2);
            CheckpointService checkpoints = app.getBean(CheckpointService.class);
            CheckpointInfo best = checkpoints.best(trialId).orElseThrow();
            try (InputStream in = checkpoints.open(best.id())) {
                assertThat(new String(in.readAllBytes())).isEqualTo("best weights");
            }
            // Still usable, not just readable: the second trial can be claimed.
            assertThat(app.getBean(TrialService.class).claimNext(experimentId, "w2")).isPresent();
        }
    }

    @Test
    void aSchemaThatDriftedFromTheEntitiesStopsStartUp() {
        try (ConfigurableApplicationContext app = start()) {
            app.getBean(JdbcTemplate.class).execute("ALTER TABLE trials DROP COLUMN best_epoch");
        }

        assertThatThrownBy(this::start)
                .hasRootCauseInstanceOf(SchemaManagementException.class)
                .rootCause().hasMessageContaining("best_epoch");
        assertThat(Files.exists(home.resolve("postgres/data/postmaster.pid")))
                .as("the failed start stopped its database again").isFalse();
    }
}
