package dev.templatelab.web;

import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;

/** REST calls and checks the API tests share. */
public final class ApiCalls {

    private ApiCalls() {
    }

    /** The answer has this status and a JSON error whose message contains {@code messagePart}. */
    public static void assertError(ResponseEntity<JsonNode> response, HttpStatus status, String messagePart) {
        assertThat(response.getStatusCode()).as("status of %s", response.getBody()).isEqualTo(status);
        assertThat(response.getBody()).as("JSON error body").isNotNull();
        assertThat(response.getBody().get("error").asText()).contains(messagePart);
    }

    /** A dataset upload to {@code url} as a browser or curl sends it: multipart {@code file}, and {@code name} unless null. */
    public static ResponseEntity<JsonNode> upload(TestRestTemplate client, String url, byte[] content, String fileName,
                                                  String name) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("file", new ByteArrayResource(content) {
            @Override
            public String getFilename() {
                return fileName;
            }
        });
        if (name != null) {
            parts.add("name", name);
        }
        return client.postForEntity(url, multipart(parts), JsonNode.class);
    }

    public static HttpEntity<MultiValueMap<String, Object>> multipart(MultiValueMap<String, Object> parts) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        return new HttpEntity<>(parts, headers);
    }

    public static HttpEntity<String> jsonBody(String json) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return new HttpEntity<>(json, headers);
    }
}
