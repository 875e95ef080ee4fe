package dev.templatelab.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.web.TestData;
import dev.templatelab.web.WebAppTest;
import dev.templatelab.web.security.Role;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import java.io.IOException;

import static dev.templatelab.web.ApiCalls.jsonBody;
import static org.assertj.core.api.Assertions.assertThat;

/** Every API error is its documented status with a JSON body, whatever the client accepts and whatever the path. */
class ApiErrorsTest extends WebAppTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    DatasetService datasets;

    @Test
    void errorsAreJsonWhateverTheAcceptHeaderAsksFor() throws IOException {
        assertJsonError(call(HttpMethod.GET, "/api/experiments/987654", "application/xml", null),
                HttpStatus.NOT_FOUND, "experiment 987654 not found");
        assertJsonError(call(HttpMethod.GET, "/api/experiments/987654", "text/html", null),
                HttpStatus.NOT_FOUND, "experiment 987654 not found");
        assertJsonError(call(HttpMethod.GET, "/api/trials/987654", "text/plain", null),
                HttpStatus.NOT_FOUND, "trial 987654 not found");
        assertJsonError(call(HttpMethod.GET, "/api/experiments/abc", "application/xml", null),
                HttpStatus.BAD_REQUEST, "'abc' is not a valid id");
        assertJsonError(call(HttpMethod.GET, "/api/experiments/987654/best-checkpoint", "application/octet-stream", null),
                HttpStatus.NOT_FOUND, "experiment 987654 not found");

        DatasetInfo dataset = TestData.dataset(datasets, datasetsDir().resolve("records-only"));
        String launch = "{\"name\":\"" + TestData.unique("accept") + "\",\"datasetId\":" + dataset.id()
                + ",\"templates\":[\"" + TestData.INCEPTION_V2 + "\"],\"maxTrials\":1,\"allowRandomInit\":true}";
        // The launcher's refusal with its field (ExperimentApi's own handler).
        ResponseEntity<String> refused = call(HttpMethod.POST, "/api/experiments", "application/xml",
                launch.replace("\"maxTrials\":1", "\"maxTrials\":0"));
        assertJsonError(refused, HttpStatus.BAD_REQUEST, "maxTrials");
        assertThat(JSON.readTree(refused.getBody()).get("field").asText()).isEqualTo("maxTrials");

        ResponseEntity<String> created = call(HttpMethod.POST, "/api/experiments", null, launch);
        assertThat(created.getStatusCode()).as(created.getBody()).isEqualTo(HttpStatus.CREATED);
        long id = JSON.readTree(created.getBody()).get("id").asLong();
        assertJsonError(call(HttpMethod.DELETE, "/api/experiments/" + id, "text/csv", null),
                HttpStatus.CONFLICT, "only a finished experiment can be deleted");
        as(Role.OPERATOR).postForObject("/api/experiments/" + id + "/cancel", null, JsonNode.class);
    }

    @Test
    void anEndpointAskedForAnotherFormatThanJsonSaysSo() {
        assertJsonError(call(HttpMethod.GET, "/api/experiments", "application/xml", null), HttpStatus.NOT_ACCEPTABLE,
                "this endpoint answers application/json");
    }

    @Test
    void unknownApiPathsAreJson404sNotTheUiPage() {
        assertJsonError(call(HttpMethod.GET, "/api/nothing", null, null), HttpStatus.NOT_FOUND,
                "no such endpoint: /api/nothing; see /v3/api-docs");
        assertJsonError(call(HttpMethod.GET, "/api/experiments/1/foo", null, null), HttpStatus.NOT_FOUND,
                "no such endpoint: /api/experiments/1/foo");
        assertJsonError(call(HttpMethod.GET, "/api/experiments/12/", null, null), HttpStatus.NOT_FOUND,
                "no such endpoint: /api/experiments/12/ (paths end without a slash)");
        assertJsonError(call(HttpMethod.GET, "/api/nothing", "text/html", null), HttpStatus.NOT_FOUND,
                "no such endpoint: /api/nothing");
        assertJsonError(call(HttpMethod.POST, "/api/nothing", null, "{}"), HttpStatus.NOT_FOUND,
                "no such endpoint: /api/nothing");
        assertJsonError(call(HttpMethod.DELETE, "/api/nothing/1", null, null), HttpStatus.NOT_FOUND,
                "no such endpoint: /api/nothing/1");
        // The UI still answers its own paths.
        assertThat(rest.getForEntity("/login", String.class).getBody()).containsIgnoringCase("<html");
    }

    /** A request as an operator with this Accept header (none if null) and JSON body (none if null). */
    private ResponseEntity<String> call(HttpMethod method, String path, String accept, String json) {
        HttpHeaders headers = json == null ? new HttpHeaders() : jsonBody(json).getHeaders();
        HttpHeaders all = new HttpHeaders();
        all.putAll(headers);
        if (accept != null) {
            all.set(HttpHeaders.ACCEPT, accept);
        }
        return as(Role.OPERATOR).exchange(path, method, new HttpEntity<>(json, all), String.class);
    }

    private static void assertJsonError(ResponseEntity<String> response, HttpStatus status, String messagePart) {
        assertThat(response.getStatusCode()).as("status of %s", response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).as("content type of %s", response.getBody()).isNotNull()
                .matches(MediaType.APPLICATION_JSON::isCompatibleWith);
        try {
            assertThat(JSON.readTree(response.getBody()).get("error").asText()).contains(messagePart);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.getBody(), e);
        }
    }
}
