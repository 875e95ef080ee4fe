package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** Datasets and weights are copied for other machines' workers only where such workers can exist, unless told. */
class ShipToWorkersTest {

    @Test
    void byDefaultOnlyASharedDatabaseShips() {
        assertThat(WorkerSettings.shipsToWorkers(new MockEnvironment()))
                .as("embedded database: every worker is on this machine").isFalse();
        assertThat(WorkerSettings.shipsToWorkers(new MockEnvironment().withProperty("DATABASE_URL", "jdbc:postgresql://db/x")))
                .isTrue();
        assertThat(WorkerSettings.shipsToWorkers(new MockEnvironment().withProperty("DATABASE_URL", " "))).isFalse();
    }

    @Test
    void anExplicitSettingWinsAndNothingElseIsTaken() {
        assertThat(WorkerSettings.shipsToWorkers(new MockEnvironment().withProperty("DATABASE_URL", "jdbc:postgresql://db/x")
                .withProperty(WorkerSettings.SHIP_TO_WORKERS_PROPERTY, "false"))).isFalse();
        assertThat(WorkerSettings.shipsToWorkers(new MockEnvironment()
                .withProperty(WorkerSettings.SHIP_TO_WORKERS_PROPERTY, "TRUE"))).isTrue();
        assertThatThrownBy(() -> WorkerSettings.shipsToWorkers(new MockEnvironment()
                .withProperty(WorkerSettings.SHIP_TO_WORKERS_PROPERTY, "yes")))
                .hasMessageContaining("TEMPLATELAB_SHIP_TO_WORKERS must be true or false").hasMessageContaining("'yes'");
    }

    @Test
    void aMalformedWorkerSettingNamesItselfAndItsEnvironmentVariable() {
        assertThatThrownBy(() -> WorkerSettings.from(new MockEnvironment().withProperty(WorkerSettings.WORKERS_PROPERTY,
                "two"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("templatelab.workers (environment variable TEMPLATELAB_WORKERS) must be a whole number, "
                        + "got 'two'");
        assertThatThrownBy(() -> WorkerSettings.from(new MockEnvironment().withProperty(
                "templatelab.tuning.heartbeat-grace", "soon")))
                .hasMessageContaining("TEMPLATELAB_TUNING_HEARTBEAT_GRACE) must be a duration such as 5s or 500ms");
    }
}
