package dev.templatelab.web.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.web.WebAppTest;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/** What probes and Prometheus see: reachable without credentials, and nothing else opened by it. */
class OperationsEndpointsTest extends WebAppTest {

    @Test
    void healthAndProbesAnswerWithoutLogin() {
        for (String path : new String[] {"/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness"}) {
            ResponseEntity<String> health = rest.getForEntity(path, String.class);
            assertThat(health.getStatusCode()).as(path).isEqualTo(HttpStatus.OK);
            assertThat(health.getBody()).as(path).contains("\"status\":\"UP\"");
        }
    }

    @Test
    void prometheusExposesTheQueueMetrics() {
        ResponseEntity<String> scrape = rest.getForEntity("/actuator/prometheus", String.class);
        assertThat(scrape.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(scrape.getBody())
                .contains("templatelab_trials_waiting{")
                .contains("templatelab_trials_running{")
                .contains("templatelab_queue_oldest_wait_seconds{")
                .contains("templatelab_workers_active{")
                .contains("templatelab_workers_heartbeat_oldest_seconds{")
                .contains("templatelab_epochs_total{");
    }

    @Test
    void otherActuatorEndpointsStayClosed() {
        // Unknown paths fall through to the UI's page; what matters is that no environment dump is served.
        ResponseEntity<String> env = rest.getForEntity("/actuator/env", String.class);
        assertThat(env.getBody()).doesNotContain("propertySources").doesNotContain("DATABASE");
        assertThat(rest.getForEntity("/api/datasets", String.class).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
    }
}
