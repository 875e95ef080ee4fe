package dev.templatelab.web.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.training.data.ImportProgress;
import dev.templatelab.web.ApiCalls;
import dev.templatelab.web.TestData;
import dev.templatelab.web.WebAppTest;
import dev.templatelab.web.security.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.templatelab.web.ApiCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/datasets?async=true} and {@code /api/dataset-imports}: an import that runs after the answer, its
 * progress and outcome, and a stop that keeps nothing.
 */
class DatasetImportApiTest extends WebAppTest {

    @Autowired
    DatasetImportJobs jobs;
    @Autowired
    DatasetService datasets;
    @Autowired
    DatasetImports imports;

    /** Imports queued here run only when the test says so. */
    private final List<Runnable> held = new ArrayList<>();
    private Executor saved;

    @AfterEach
    void restore() {
        if (saved != null) {
            jobs.runner = saved;
        }
        jobs.clock = Clock.systemUTC();
        held.forEach(Runnable::run);   // nothing stays half-imported for the next test
    }

    @Test
    void anAsyncUploadAnswersAtOnceAndTheImportReportsItsProgressAndDataset() throws Exception {
        String name = TestData.unique("async");
        ResponseEntity<JsonNode> accepted = upload(as(Role.OPERATOR), TestData.datasetZip(List.of("cat", "dog"), 3, 21),
                "pets.zip", name);

        assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        long id = accepted.getBody().get("id").asLong();
        assertThat(accepted.getHeaders().getLocation()).hasPath("/api/dataset-imports/" + id);
        assertThat(accepted.getBody().get("name").asText()).isEqualTo(name);
        assertThat(accepted.getBody().get("fileName").asText()).isEqualTo("pets.zip");

        JsonNode done = awaitEnd(id);
        assertThat(done.get("state").asText()).as("%s", done).isEqualTo("SUCCEEDED");
        // The counts reached the 6 images: the import reported to the job.
        assertThat(done.get("total").asInt()).isEqualTo(6);
        assertThat(done.get("done").asInt()).isEqualTo(6);
        JsonNode dataset = done.get("dataset");
        assertThat(dataset.get("name").asText()).isEqualTo(name);
        assertThat(dataset.get("images").asInt()).isEqualTo(6);
        assertThat(as(Role.VIEWER).getForEntity("/api/datasets/" + dataset.get("id").asLong(), JsonNode.class)
                .getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(done.get("endedAt").isNull()).isFalse();

        ResponseEntity<JsonNode> list = as(Role.VIEWER).getForEntity("/api/dataset-imports", JsonNode.class);
        assertThat(list.getBody().findValuesAsText("name")).contains(name);
        assertNoUploadCopies();
    }

    @Test
    void aStoppedImportEndsStoppedWithNothingKept() throws Exception {
        holdImports();
        String name = TestData.unique("stopped");
        ResponseEntity<JsonNode> accepted = upload(as(Role.OPERATOR), TestData.datasetZip(List.of("a", "b"), 3, 22),
                "big.zip", name);
        long id = accepted.getBody().get("id").asLong();
        assertThat(accepted.getBody().get("state").asText()).isEqualTo("RUNNING");

        assertError(as(Role.VIEWER).exchange("/api/dataset-imports/" + id, HttpMethod.DELETE, null, JsonNode.class),
                HttpStatus.FORBIDDEN, "operator");
        ResponseEntity<JsonNode> stopping = as(Role.OPERATOR).exchange("/api/dataset-imports/" + id, HttpMethod.DELETE,
                null, JsonNode.class);
        assertThat(stopping.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(stopping.getBody().get("stopRequested").asBoolean()).isTrue();

        runHeld();
        JsonNode end = awaitEnd(id);
        assertThat(end.get("state").asText()).as("%s", end).isEqualTo("STOPPED");
        assertThat(datasets.findByName(name)).isEmpty();
        assertNoImportLeftovers(datasets);
        assertError(as(Role.OPERATOR).exchange("/api/dataset-imports/" + id, HttpMethod.DELETE, null, JsonNode.class),
                HttpStatus.CONFLICT, "already ended (STOPPED)");
    }

    @Test
    void aStopArrivingWhileTheLastImageIsReadStillKeepsNothing() throws Exception {
        Path zip = Files.createTempFile("late", ".zip");
        Files.write(zip, TestData.datasetZip(List.of("a", "b"), 3, 26));
        String name = TestData.unique("late");
        ImportJob job = new ImportJob(-1, name, "late.zip", Clock.systemUTC());
        ImportProgress real = job.progress();
        // The DELETE comes in after the importer's last stop check, while it reads and hashes the last image.
        ImportProgress lateStop = new ImportProgress() {
            boolean lastImage;

            @Override
            public boolean stopRequested() {
                boolean answer = real.stopRequested();
                if (lastImage) {
                    job.requestStop();
                }
                return answer;
            }

            @Override
            public void progressed(Phase phase, int done, int total) {
                real.progressed(phase, done, total);
                lastImage = phase == Phase.CHECKING && done == total - 1;
            }

            @Override
            public boolean mayKeep() {
                return real.mayKeep();
            }
        };

        job.run(ignored -> imports.importZip(name, "late.zip", zip, lateStop));

        assertThat(job.status().stopRequested()).isTrue();
        assertThat(job.status().state()).isEqualTo(ImportJob.State.STOPPED);
        assertThat(datasets.findByName(name)).isEmpty();
        assertNoImportLeftovers(datasets);
        Files.delete(zip);
    }

    @Test
    void aNameBeingImportedAnyWayIsRefusedToOtherImports() throws Exception {
        Path zip = Files.createTempFile("busy", ".zip");
        byte[] content = TestData.datasetZip(List.of("a", "b"), 2, 27);
        Files.write(zip, content);
        String name = TestData.unique("busy");
        CountDownLatch checking = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ImportProgress paused = new ImportProgress() {
            @Override
            public void progressed(Phase phase, int done, int total) {
                if (phase == Phase.CHECKING && done == 0) {
                    checking.countDown();
                    await(release);
                }
            }
        };
        CompletableFuture<DatasetImports.Imported> first = CompletableFuture.supplyAsync(
                () -> imports.importZip(name, "busy.zip", zip, paused));
        try {
            assertThat(checking.await(30, TimeUnit.SECONDS)).isTrue();
            assertError(ApiCalls.upload(as(Role.OPERATOR), "/api/datasets", content, "b.zip", name),
                    HttpStatus.BAD_REQUEST, "a dataset named '" + name + "' is being imported");
            assertError(upload(as(Role.OPERATOR), content, "b.zip", name), HttpStatus.BAD_REQUEST,
                    "is being imported");
        } finally {
            release.countDown();
        }
        assertThat(first.get(60, TimeUnit.SECONDS).dataset().name()).isEqualTo(name);
        assertNoUploadCopies();
        Files.delete(zip);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void badUploadsAreRefusedBeforeAnyImportStarts() throws Exception {
        assertError(upload(as(Role.OPERATOR), "just text".getBytes(), "notes.txt", TestData.unique("text")),
                HttpStatus.BAD_REQUEST, "'notes.txt' is not a zip archive");

        holdImports();
        String name = TestData.unique("twice");
        byte[] zip = TestData.datasetZip(List.of("a", "b"), 2, 23);
        long first = upload(as(Role.OPERATOR), zip, "a.zip", name).getBody().get("id").asLong();
        assertError(upload(as(Role.OPERATOR), zip, "a.zip", name), HttpStatus.BAD_REQUEST,
                "import " + first + " of a dataset named '" + name + "' is still running");
        runHeld();
        assertThat(awaitEnd(first).get("state").asText()).isEqualTo("SUCCEEDED");
        assertError(upload(as(Role.OPERATOR), zip, "a.zip", name), HttpStatus.BAD_REQUEST, "already exists");
        assertNoUploadCopies();
    }

    @Test
    void anImportThatCannotStartLeavesNoJobAndFreesItsName() throws Exception {
        saved = jobs.runner;
        jobs.runner = task -> {
            throw new java.util.concurrent.RejectedExecutionException("unable to create a thread");
        };
        String name = TestData.unique("nothread");
        byte[] zip = TestData.datasetZip(List.of("a", "b"), 2, 25);
        ResponseEntity<JsonNode> refused = upload(as(Role.OPERATOR), zip, "a.zip", name);
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        assertThat(refused.getBody().get("error").asText()).contains("unable to create a thread");
        assertThat(as(Role.VIEWER).getForEntity("/api/dataset-imports", JsonNode.class).getBody()
                .findValuesAsText("name")).doesNotContain(name);
        assertNoUploadCopies();

        jobs.runner = saved;
        long id = upload(as(Role.OPERATOR), zip, "a.zip", name).getBody().get("id").asLong();
        assertThat(awaitEnd(id).get("state").asText()).isEqualTo("SUCCEEDED");
    }

    @Test
    void aFailedImportSaysWhyAndLeavesNothing() throws Exception {
        String name = TestData.unique("evil");
        long id = upload(as(Role.OPERATOR), TestData.escapingZip(), "evil.zip", name).getBody().get("id").asLong();
        JsonNode end = awaitEnd(id);
        assertThat(end.get("state").asText()).isEqualTo("FAILED");
        assertThat(end.get("error").asText()).startsWith("'evil.zip'").contains("escaped.png");
        assertThat(datasets.findByName(name)).isEmpty();
        assertNoImportLeftovers(datasets);
    }

    @Test
    void unknownAndForgottenImportsAreNotFoundWithAHint() throws Exception {
        assertError(as(Role.VIEWER).getForEntity("/api/dataset-imports/999999", JsonNode.class), HttpStatus.NOT_FOUND,
                "dataset import 999999 not found (an import's outcome is kept for 60 minutes");

        long id = upload(as(Role.OPERATOR), TestData.datasetZip(List.of("a", "b"), 2, 24), "a.zip",
                TestData.unique("old")).getBody().get("id").asLong();
        awaitEnd(id);
        jobs.clock = Clock.fixed(Instant.now().plus(Duration.ofMinutes(59)), ZoneOffset.UTC);
        assertThat(as(Role.VIEWER).getForEntity("/api/dataset-imports", JsonNode.class).getBody()
                .findValuesAsText("id")).contains(String.valueOf(id));
        jobs.clock = Clock.fixed(Instant.now().plus(Duration.ofMinutes(61)), ZoneOffset.UTC);
        assertThat(as(Role.VIEWER).getForEntity("/api/dataset-imports", JsonNode.class).getBody()
                .findValuesAsText("id")).doesNotContain(String.valueOf(id));
        assertError(as(Role.VIEWER).getForEntity("/api/dataset-imports/" + id, JsonNode.class), HttpStatus.NOT_FOUND,
                "not found");
    }

    private void holdImports() {
        saved = jobs.runner;
        jobs.runner = held::add;
    }

    private void runHeld() {
        List<Runnable> now = List.copyOf(held);
        held.clear();
        now.forEach(Runnable::run);
    }

    private JsonNode awaitEnd(long id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            ResponseEntity<JsonNode> status = as(Role.VIEWER).getForEntity("/api/dataset-imports/" + id, JsonNode.class);
            assertThat(status.getStatusCode()).as("%s", status.getBody()).isEqualTo(HttpStatus.OK);
            if (!status.getBody().get("state").asText().equals("RUNNING")) {
                return status.getBody();
            }
            assertThat(System.nanoTime()).as("import %d still running after 60 s", id).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static ResponseEntity<JsonNode> upload(TestRestTemplate client, byte[] content, String fileName,
                                                   String name) {
        return ApiCalls.upload(client, "/api/datasets?async=true", content, fileName, name);
    }

    /** The job's copy of each upload is deleted once its import ended. */
    private static void assertNoUploadCopies() throws IOException {
        Path uploads = datasetsDir().getParent().resolve("uploads");
        if (Files.isDirectory(uploads)) {
            try (Stream<Path> files = Files.list(uploads)) {
                // uploads/incoming is the servlet container's staging folder (the container empties it).
                assertThat(files.filter(f -> !f.equals(uploads.resolve(UploadStaging.INCOMING))))
                        .as("upload copies left in %s", uploads).isEmpty();
            }
        }
    }
}
