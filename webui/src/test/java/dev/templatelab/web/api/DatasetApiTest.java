package dev.templatelab.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.templatelab.storage.artifacts.ArtifactStore;
import dev.templatelab.storage.artifacts.StoredArtifact;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.web.ApiCalls;
import dev.templatelab.web.TestData;
import dev.templatelab.web.WebAppTest;
import dev.templatelab.web.security.Role;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.templatelab.web.ApiCalls.assertError;
import static dev.templatelab.web.ApiCalls.jsonBody;
import static dev.templatelab.web.ApiCalls.multipart;
import static org.assertj.core.api.Assertions.assertThat;

/** POST/GET/DELETE /api/datasets, including every kind of bad upload: each a 4xx JSON error, nothing left behind. */
class DatasetApiTest extends WebAppTest {

    @Autowired
    DatasetService datasets;

    @Autowired
    ArtifactStore artifacts;

    @Test
    void uploadsAZipAndListsIt() throws IOException {
        String name = TestData.unique("flowers");
        ResponseEntity<JsonNode> created = upload(as(Role.OPERATOR), TestData.datasetZip(List.of("cat", "dog"), 3, 7),
                "pets.zip", name);

        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        JsonNode body = created.getBody();
        assertThat(body.get("name").asText()).isEqualTo(name);
        assertThat(body.get("images").asInt()).isEqualTo(6);
        assertThat(body.get("classes")).extracting(JsonNode::asText).containsExactly("cat", "dog");
        assertThat(created.getHeaders().getLocation()).hasPath("/api/datasets/" + body.get("id").asLong());

        ResponseEntity<JsonNode> list = as(Role.VIEWER).getForEntity("/api/datasets", JsonNode.class);
        assertThat(list.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(list.getBody().findValuesAsText("name")).contains(name);
        JsonNode listed = stream(list.getBody()).filter(d -> d.get("name").asText().equals(name)).findFirst().orElseThrow();
        assertThat(listed.get("id").asLong()).isEqualTo(body.get("id").asLong());
        assertThat(listed.get("images").asInt()).isEqualTo(6);
    }

    @Test
    void smallClassesComeBackAsWarnings() throws IOException {
        ResponseEntity<JsonNode> created = upload(as(Role.OPERATOR), TestData.datasetZip(List.of("a", "b"), 1, 8),
                "tiny.zip", TestData.unique("tiny"));
        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(created.getBody().get("warnings").toString()).contains("class 'a' has only 1 image");
        // Kept with the dataset: readable after the upload's answer is gone.
        JsonNode read = as(Role.VIEWER).getForObject("/api/datasets/" + created.getBody().get("id").asLong(),
                JsonNode.class);
        assertThat(read.get("warnings").toString()).contains("class 'a' has only 1 image");
    }

    @Test
    void missingFieldsAreRefused() throws IOException {
        byte[] zip = TestData.datasetZip(List.of("a", "b"), 2, 1);
        int before = datasets.list().size();

        ResponseEntity<JsonNode> noName = upload(as(Role.OPERATOR), zip, "x.zip", null);
        assertError(noName, HttpStatus.BAD_REQUEST, "missing field 'name'");

        MultiValueMap<String, Object> onlyName = new LinkedMultiValueMap<>();
        onlyName.add("name", "x");
        ResponseEntity<JsonNode> noFile = as(Role.OPERATOR).postForEntity("/api/datasets", multipart(onlyName), JsonNode.class);
        assertError(noFile, HttpStatus.BAD_REQUEST, "missing multipart field 'file'");

        ResponseEntity<JsonNode> json = as(Role.OPERATOR).postForEntity("/api/datasets",
                jsonBody("{\"name\":\"x\"}"), JsonNode.class);
        assertError(json, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "multipart/form-data");
        assertThat(datasets.list()).hasSize(before);
    }

    /** A tab or line break in a name would end up in listings and logs; a second name is not appended to the first. */
    @Test
    void aNameWithControlCharactersOrGivenTwiceIsRefused() throws IOException {
        byte[] zip = TestData.datasetZip(List.of("a", "b"), 2, 6);
        int before = datasets.list().size();
        assertError(upload(as(Role.OPERATOR), zip, "a.zip", "tab\tx"), HttpStatus.BAD_REQUEST,
                "the dataset name may not contain control characters (tabs, line breaks...); it has U+0009");
        assertError(upload(as(Role.OPERATOR), zip, "a.zip", "a\r\nX-Injected: yes"), HttpStatus.BAD_REQUEST,
                "it has U+000D");

        MultiValueMap<String, Object> twice = new LinkedMultiValueMap<>();
        twice.add("file", new org.springframework.core.io.ByteArrayResource(zip) {
            @Override
            public String getFilename() {
                return "a.zip";
            }
        });
        twice.add("name", "first");
        twice.add("name", "second");
        assertError(as(Role.OPERATOR).postForEntity("/api/datasets", multipart(twice), JsonNode.class),
                HttpStatus.BAD_REQUEST, "field 'name' was given 2 times; give name once");
        assertThat(datasets.list()).hasSize(before);
        assertNoImportLeftovers(datasets);

        MultiValueMap<String, Object> twoZips = new LinkedMultiValueMap<>();
        for (String fileName : List.of("a.zip", "b.zip")) {
            twoZips.add("file", new org.springframework.core.io.ByteArrayResource(zip) {
                @Override
                public String getFilename() {
                    return fileName;
                }
            });
        }
        twoZips.add("name", TestData.unique("two-zips"));
        assertError(as(Role.OPERATOR).postForEntity("/api/datasets", multipart(twoZips), JsonNode.class),
                HttpStatus.BAD_REQUEST, "field 'file' was given 2 times; upload one zip per dataset");
        assertThat(datasets.list()).hasSize(before);
        assertNoImportLeftovers(datasets);

        // A comma is no repetition.
        assertThat(upload(as(Role.OPERATOR), zip, "a.zip", TestData.unique("one,name")).getStatusCode())
                .isEqualTo(HttpStatus.CREATED);
    }

    @Test
    void aFileThatIsNotAZipIsRefused() {
        int before = datasets.list().size();
        ResponseEntity<JsonNode> response = upload(as(Role.OPERATOR), "just some text".getBytes(), "notes.txt",
                TestData.unique("text"));
        assertError(response, HttpStatus.BAD_REQUEST, "'notes.txt' is not a zip archive");
        assertThat(datasets.list()).hasSize(before);
        assertNoImportLeftovers(datasets);
    }

    /** An empty zip and a one-class zip are zips, refused for what they hold, naming the user's file. */
    @Test
    void zipsWithoutADatasetAreRefusedNamingTheUsersFile() throws IOException {
        int before = datasets.list().size();
        java.io.ByteArrayOutputStream empty = new java.io.ByteArrayOutputStream();
        new java.util.zip.ZipOutputStream(empty).close();

        ResponseEntity<JsonNode> emptyZip = upload(as(Role.OPERATOR), empty.toByteArray(), "empty.zip",
                TestData.unique("empty"));
        assertError(emptyZip, HttpStatus.BAD_REQUEST, "dataset empty.zip has no usable images; expected one subfolder");

        ResponseEntity<JsonNode> oneClass = upload(as(Role.OPERATOR), TestData.datasetZip(List.of("a"), 3, 5),
                "one.zip", TestData.unique("one"));
        assertError(oneClass, HttpStatus.BAD_REQUEST, "dataset one.zip/data has only one class ('a')");
        assertThat(oneClass.getBody().get("error").asText()).doesNotContain("import-");
        assertThat(datasets.list()).hasSize(before);
        assertNoImportLeftovers(datasets);
    }

    @Test
    void aZipEscapingItsFolderIsRefusedAndLeavesNothing() throws IOException {
        int before = datasets.list().size();
        ResponseEntity<JsonNode> response = upload(as(Role.OPERATOR), TestData.escapingZip(), "evil.zip",
                TestData.unique("evil"));
        assertError(response, HttpStatus.BAD_REQUEST, "escaped.png");
        assertThat(response.getBody().get("error").asText()).as("names the user's file, not the server's copy")
                .startsWith("'evil.zip'").doesNotContain("uploads");
        assertThat(datasets.list()).hasSize(before);
        assertNoImportLeftovers(datasets);
        assertThat(datasetsDir().getParent().resolve("escaped.png")).doesNotExist();
    }

    @Test
    void aDuplicateNameIsRefused() throws IOException {
        String name = TestData.unique("twice");
        byte[] zip = TestData.datasetZip(List.of("a", "b"), 2, 3);
        assertThat(upload(as(Role.OPERATOR), zip, "a.zip", name).getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertError(upload(as(Role.OPERATOR), zip, "a.zip", name), HttpStatus.BAD_REQUEST, "already exists");
        assertNoImportLeftovers(datasets);
    }

    @Test
    void viewersMayListButNotUploadAndStrangersNeither() throws IOException {
        byte[] zip = TestData.datasetZip(List.of("a", "b"), 2, 4);
        assertError(upload(as(Role.VIEWER), zip, "a.zip", TestData.unique("v")), HttpStatus.FORBIDDEN, "operator role");
        assertError(upload(rest, zip, "a.zip", TestData.unique("anon")), HttpStatus.UNAUTHORIZED, "authentication required");
        assertError(rest.withBasicAuth("admin", "wrong-password").getForEntity("/api/datasets", JsonNode.class),
                HttpStatus.UNAUTHORIZED, "authentication required");
        assertThat(as(Role.VIEWER).getForEntity("/api/datasets", JsonNode.class).getStatusCode()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void deletesAnUnusedDatasetWithItsFilesAndItsCopyInTheArtifactStore() throws IOException {
        ResponseEntity<JsonNode> created = upload(as(Role.OPERATOR), TestData.datasetZip(List.of("a", "b"), 2, 5),
                "a.zip", TestData.unique("gone"));
        long id = created.getBody().get("id").asLong();
        Path folder = Path.of(datasets.get(id).storageUri());
        assertThat(folder).isDirectory();
        // A copy in the artifact store, as uploads make when workers may be elsewhere (ScaleOutTest covers that).
        StoredArtifact copy = artifacts.put(new java.io.ByteArrayInputStream(new byte[] {1, 2}), "datasets/" + id + "-test.zip");
        datasets.recordBundle(id, copy);
        Path bundle = Path.of(copy.uri());
        assertThat(bundle).isRegularFile();

        assertError(as(Role.VIEWER).exchange("/api/datasets/" + id, HttpMethod.DELETE, null, JsonNode.class),
                HttpStatus.FORBIDDEN, "operator");
        ResponseEntity<JsonNode> deleted = as(Role.OPERATOR).exchange("/api/datasets/" + id, HttpMethod.DELETE, null,
                JsonNode.class);
        assertThat(deleted.getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
        assertThat(folder).doesNotExist();
        assertThat(bundle).doesNotExist();
        assertError(as(Role.VIEWER).getForEntity("/api/datasets/" + id, JsonNode.class), HttpStatus.NOT_FOUND,
                "dataset " + id + " not found");
    }

    @Test
    void theOpenApiDocumentListsTheEndpoints() {
        ResponseEntity<JsonNode> doc = rest.getForEntity("/v3/api-docs", JsonNode.class);
        assertThat(doc.getStatusCode()).isEqualTo(HttpStatus.OK);
        JsonNode paths = doc.getBody().get("paths");
        assertThat(paths.has("/api/datasets")).isTrue();
        assertThat(paths.has("/api/experiments/{id}/best-checkpoint")).isTrue();
        // The statuses each endpoint really answers, with the error body's schema, and how to authenticate.
        JsonNode launch = paths.get("/api/experiments").get("post").get("responses");
        assertThat(launch.has("201")).isTrue();
        assertThat(launch.has("200")).as("a launch answers 201, never 200").isFalse();
        assertThat(launch.get("400").get("content").get("application/json").get("schema").get("$ref").asText())
                .isEqualTo("#/components/schemas/Error");
        assertThat(launch.has("401")).isTrue();
        assertThat(doc.getBody().get("components").get("schemas").get("Error").get("properties").get("parameters")
                .get("type").asText()).as("a refused space's parameters").isEqualTo("array");
        // The launch's defaults as the API applies them (README: tpe, asha, accuracy, as in tune).
        JsonNode launchFields = doc.getBody().get("components").get("schemas").get("LaunchJson").get("properties");
        assertThat(launchFields.get("sampler").get("description").asText()).endsWith("(default tpe)");
        assertThat(launchFields.get("pruner").get("description").asText()).contains("asha-optuna", "(default asha)");
        assertThat(launchFields.get("objective").get("description").asText()).contains("(default accuracy)");
        assertThat(paths.get("/api/datasets/{id}").get("delete").get("responses").has("204")).isTrue();
        assertThat(paths.get("/api/datasets/{id}").get("delete").get("responses").has("409")).isTrue();
        assertThat(paths.get("/api/dataset-imports/{id}").get("delete").get("responses").has("202")).isTrue();
        assertThat(paths.get("/api/experiments/{id}/best-checkpoint").get("get").get("responses").has("416")).isTrue();
        assertThat(doc.getBody().get("components").get("securitySchemes").get("basic").get("scheme").asText())
                .isEqualTo("basic");
        // The upload's name is a field of the multipart body, beside the file, not a query parameter.
        JsonNode upload = paths.get("/api/datasets").get("post");
        assertThat(stream(upload.path("parameters")).map(p -> p.get("name").asText())).doesNotContain("name", "file");
        String form = upload.get("requestBody").get("content").get("multipart/form-data").get("schema").get("$ref").asText();
        JsonNode fields = doc.getBody().get("components").get("schemas").get(form.substring(form.lastIndexOf('/') + 1))
                .get("properties");
        assertThat(fields.get("file").get("format").asText()).isEqualTo("binary");
        assertThat(fields.has("name")).isTrue();
    }

    private static ResponseEntity<JsonNode> upload(TestRestTemplate client, byte[] content, String fileName,
                                                   String name) {
        return ApiCalls.upload(client, "/api/datasets", content, fileName, name);
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }
}
