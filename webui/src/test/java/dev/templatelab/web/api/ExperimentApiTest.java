package dev.templatelab.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.trials.NewTrial;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.web.TestData;
import dev.templatelab.web.WebAppTest;
import dev.templatelab.web.security.Role;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.domain.Pageable;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static dev.templatelab.web.ApiCalls.assertError;
import static dev.templatelab.web.ApiCalls.jsonBody;
import static org.assertj.core.api.Assertions.assertThat;

/** The experiment and trial endpoints: launch, read, trials, cancel, one trial, best-checkpoint download; bad requests. */
class ExperimentApiTest extends WebAppTest {

    @Autowired
    DatasetService datasets;
    @Autowired
    ExperimentService experiments;
    @Autowired
    TrialService trials;
    @Autowired
    CheckpointService checkpoints;
    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    DatasetInfo dataset;

    @BeforeEach
    void dataset() throws IOException {
        dataset = TestData.dataset(datasets, datasetsDir().resolve("records-only"));
    }

    private String launchJson(String name, String extra) {
        return "{\"name\":\"" + name + "\",\"datasetId\":" + dataset.id() + ",\"templates\":[\"" + TestData.INCEPTION_V2
                + "\",\"" + TestData.BN_INCEPTION + "\"],\"sampler\":\"random\",\"pruner\":\"median\",\"maxTrials\":4,"
                + "\"maxEpochsPerTrial\":2,\"parallelism\":1,\"objective\":\"accuracy\",\"allowRandomInit\":true" + extra + "}";
    }

    @Test
    void launchesReadsAndCancelsAnExperiment() {
        String name = TestData.unique("api");
        ResponseEntity<JsonNode> created = as(Role.OPERATOR).postForEntity("/api/experiments", jsonBody(launchJson(name,
                ",\"searchSpace\":{\"lrate\":{\"low\":0.01,\"high\":0.1,\"log\":true},\"batch_size\":[16,32],"
                        + "\"image_size\":32}")), JsonNode.class);
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        long id = created.getBody().get("id").asLong();
        assertThat(created.getHeaders().getLocation()).hasPath("/api/experiments/" + id);

        JsonNode experiment = as(Role.VIEWER).getForObject("/api/experiments/" + id, JsonNode.class);
        assertThat(experiment.get("name").asText()).isEqualTo(name);
        assertThat(experiment.get("state").asText()).isEqualTo("QUEUED");
        assertThat(experiment.get("owner").asText()).isEqualTo(OPERATOR);
        assertThat(experiment.get("trials").get("total").asInt()).isZero();
        assertThat(experiment.get("best").isNull()).isTrue();
        assertThat(experiment.get("templates")).extracting(JsonNode::asText)
                .containsExactly(TestData.INCEPTION_V2, TestData.BN_INCEPTION);

        assertThat(as(Role.VIEWER).getForObject("/api/experiments/" + id + "/trials", JsonNode.class)).isEmpty();
        assertThat(as(Role.VIEWER).getForObject("/api/experiments", JsonNode.class).findValuesAsText("name"))
                .contains(name);

        assertError(as(Role.VIEWER).postForEntity("/api/experiments/" + id + "/cancel", null, JsonNode.class),
                HttpStatus.FORBIDDEN, "operator role");
        assertError(as(Role.OPERATOR).exchange("/api/experiments/" + id, HttpMethod.DELETE, null, JsonNode.class),
                HttpStatus.CONFLICT, "only a finished experiment can be deleted: cancel it first");
        JsonNode cancelled = as(Role.OPERATOR).postForObject("/api/experiments/" + id + "/cancel", null, JsonNode.class);
        assertThat(cancelled.get("state").asText()).isEqualTo("CANCELLED");
        assertError(as(Role.OPERATOR).postForEntity("/api/experiments/" + id + "/cancel", null, JsonNode.class),
                HttpStatus.CONFLICT, "CANCELLED");

        assertError(as(Role.VIEWER).exchange("/api/experiments/" + id, HttpMethod.DELETE, null, JsonNode.class),
                HttpStatus.FORBIDDEN, "operator role");
        ResponseEntity<JsonNode> deleted = as(Role.OPERATOR).exchange("/api/experiments/" + id, HttpMethod.DELETE, null,
                JsonNode.class);
        assertThat(deleted.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(deleted.getBody().get("name").asText()).isEqualTo(name);
        assertThat(deleted.getBody().get("trials").asLong()).isZero();
        assertError(as(Role.VIEWER).getForEntity("/api/experiments/" + id, JsonNode.class), HttpStatus.NOT_FOUND,
                "experiment " + id + " not found");
    }

    /** Sampler, pruner and objective left out are the command line's defaults, and read back by their own names. */
    @Test
    void omittedSamplerPrunerAndObjectiveAreTheDefaults() {
        String body = "{\"name\":\"" + TestData.unique("defaults") + "\",\"datasetId\":" + dataset.id()
                + ",\"templates\":[\"" + TestData.INCEPTION_V2 + "\"],\"maxTrials\":3,\"maxEpochsPerTrial\":2}";
        ResponseEntity<JsonNode> created = post(body);
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        JsonNode experiment = as(Role.VIEWER).getForObject("/api/experiments/" + created.getBody().get("id").asLong(),
                JsonNode.class);
        assertThat(experiment.get("sampler").asText()).isEqualTo("tpe");
        assertThat(experiment.get("pruner").asText()).isEqualTo("asha");
        assertThat(experiment.get("objective").asText()).isEqualTo("accuracy");
    }

    @Test
    void badRequestsAreRefusedWithTheFieldAndCreateNothing() {
        long before = experiments.list(null, Pageable.unpaged()).getTotalElements();
        String name = TestData.unique("bad");
        assertError(post("{\"datasetId\":" + dataset.id() + ",\"templates\":[\"Clarifai_InceptionV2\"],\"maxTrials\":2}"),
                HttpStatus.BAD_REQUEST, "missing field 'name'");
        assertError(post("{\"name\":\"" + name + "\",\"templates\":[\"Clarifai_InceptionV2\"],\"maxTrials\":2}"),
                HttpStatus.BAD_REQUEST, "missing field 'datasetId'");
        assertError(post("{\"name\":\"" + name + "\",\"datasetId\":" + dataset.id() + ",\"maxTrials\":2}"),
                HttpStatus.BAD_REQUEST, "missing field 'templates'");
        assertError(post(launchJson(name, "").replace("[\"" + TestData.INCEPTION_V2 + "\",\"" + TestData.BN_INCEPTION
                + "\"]", "[]")), HttpStatus.BAD_REQUEST, "field 'templates' is an empty list; give at least one");
        assertError(post(launchJson(name, "").replace("\"name\":\"" + name + "\"", "\"name\":\" \"")),
                HttpStatus.BAD_REQUEST, "field 'name' is blank; give it a value");
        ResponseEntity<JsonNode> unknownTemplate = post(launchJson(name, "").replace(TestData.BN_INCEPTION, "Clarifai_Nope"));
        assertError(unknownTemplate, HttpStatus.BAD_REQUEST, "Clarifai_Nope");
        assertThat(unknownTemplate.getBody().get("field").asText()).isEqualTo("templates");
        assertThat(unknownTemplate.getBody().has("parameters")).as("not a search space's refusal").isFalse();
        ResponseEntity<JsonNode> badRange = post(launchJson(name, ",\"searchSpace\":{\"lrate\":{\"low\":0.5,\"high\":0.1}}"));
        assertError(badRange, HttpStatus.BAD_REQUEST, "lrate");
        assertThat(badRange.getBody().get("field").asText()).isEqualTo("searchSpace");
        // The parameter at fault as data: in the space of the (first) template that refused it.
        assertThat(badRange.getBody().get("parameters").toString())
                .isEqualTo("[\"" + TestData.INCEPTION_V2 + ".lrate\"]");
        ResponseEntity<JsonNode> tooManyEpochs = post(launchJson(name, ",\"searchSpace\":{\"num_epochs\":1,\""
                + TestData.BN_INCEPTION + ".num_epochs\":{\"low\":1,\"high\":3}}"));
        assertError(tooManyEpochs, HttpStatus.BAD_REQUEST, "searchSpace: num_epochs of " + TestData.BN_INCEPTION
                + " goes up to 3 but a trial may train at most 2 epochs");
        assertThat(tooManyEpochs.getBody().get("parameters").toString())
                .isEqualTo("[\"" + TestData.BN_INCEPTION + ".num_epochs\"]");
        assertError(post(launchJson(name, "").replace("\"maxTrials\":4", "\"maxTrials\":0")), HttpStatus.BAD_REQUEST,
                "maxTrials");
        assertError(post(launchJson(name, "").replace("\"random\"", "\"annealing\"")), HttpStatus.BAD_REQUEST, "sampler");
        assertError(post(launchJson(name, "").replace("\"datasetId\":" + dataset.id(), "\"datasetId\":999999")),
                HttpStatus.BAD_REQUEST, "999999");
        assertError(post("{not json"), HttpStatus.BAD_REQUEST, "not the expected JSON");
        assertError(post(launchJson(name, ",\"maxEpochs\":3")), HttpStatus.BAD_REQUEST,
                "unknown field 'maxEpochs'; the fields are [");
        ResponseEntity<JsonNode> negativeClock = post(launchJson(name, ",\"maxWallClockSeconds\":-5"));
        assertError(negativeClock, HttpStatus.BAD_REQUEST, "maxWallClockSeconds: must be at least one second, got -5.0 s");
        assertThat(negativeClock.getBody().get("field").asText()).isEqualTo("maxWallClockSeconds");
        assertError(as(Role.VIEWER).postForEntity("/api/experiments", jsonBody(launchJson(name, "")), JsonNode.class),
                HttpStatus.FORBIDDEN, "operator role");

        assertThat(experiments.list(null, Pageable.unpaged()).getTotalElements()).isEqualTo(before);
        assertThat(experiments.findByName(name)).isEmpty();
    }

    @Test
    void aPageBeyondTheDatabasesOffsetIsABadRequest() {
        assertError(as(Role.VIEWER).getForEntity("/api/experiments?page=3000000&size=1000", JsonNode.class),
                HttpStatus.BAD_REQUEST, "page x size must be at most 2147483647");
    }

    @Test
    void unknownIdsAre404() {
        assertError(as(Role.VIEWER).getForEntity("/api/experiments/987654", JsonNode.class), HttpStatus.NOT_FOUND,
                "experiment 987654 not found");
        assertError(as(Role.VIEWER).getForEntity("/api/experiments/987654/trials", JsonNode.class), HttpStatus.NOT_FOUND,
                "experiment 987654 not found");
        assertError(as(Role.VIEWER).getForEntity("/api/trials/987654", JsonNode.class), HttpStatus.NOT_FOUND,
                "trial 987654 not found");
        assertError(as(Role.VIEWER).getForEntity("/api/experiments/abc", JsonNode.class), HttpStatus.BAD_REQUEST,
                "'abc' is not a valid id");
    }

    @Test
    void finishedExperimentShowsItsBestTrialAndServesItsCheckpoint() throws NoSuchAlgorithmException {
        TestData.Finished finished = TestData.finishedExperiment(experiments, trials, checkpoints, dataset.id());
        long id = finished.experiment().id();

        JsonNode experiment = as(Role.VIEWER).getForObject("/api/experiments/" + id, JsonNode.class);
        assertThat(experiment.get("trials").get("complete").asInt()).isEqualTo(4);
        assertThat(experiment.get("best").get("trialId").asLong()).isEqualTo(finished.bestTrialId());
        assertThat(experiment.get("best").get("template").asText()).isEqualTo(TestData.INCEPTION_V2);
        assertThat(experiment.get("best").get("objective").asDouble()).isEqualTo(0.9);
        assertThat(experiment.get("best").get("state").asText()).isEqualTo("COMPLETE");

        JsonNode trialList = as(Role.VIEWER).getForObject("/api/experiments/" + id + "/trials", JsonNode.class);
        assertThat(trialList).hasSize(4);
        assertThat(trialList.get(0).get("params").get("batch_size").asInt()).isEqualTo(16);
        assertThat(as(Role.VIEWER).getForObject("/api/experiments/" + id + "/trials?state=PRUNED", JsonNode.class)).isEmpty();

        JsonNode trial = as(Role.VIEWER).getForObject("/api/trials/" + finished.bestTrialId(), JsonNode.class);
        assertThat(trial.get("trial").get("state").asText()).isEqualTo("COMPLETE");
        assertThat(trial.get("epochs")).hasSize(2);
        assertThat(trial.get("epochs").get(1).get("valAccuracy").asDouble()).isEqualTo(0.9);
        assertThat(trial.get("checkpoints")).hasSize(1);
        // Epochs count from 1, as on the trial's page ("at epoch 2"): the second epoch was the best one.
        assertThat(trial.get("epochs").findValuesAsText("epoch")).containsExactly("1", "2");
        assertThat(trial.get("trial").get("bestEpoch").asInt()).isEqualTo(2);
        assertThat(trial.get("checkpoints").get(0).get("epoch").asInt()).isEqualTo(2);
        assertThat(trial.get("confusionMatrix").get(0).get(0).asInt()).isEqualTo(4);

        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(finished.bestCheckpoint()));
        ResponseEntity<byte[]> file = as(Role.VIEWER).getForEntity("/api/experiments/" + id + "/best-checkpoint", byte[].class);
        assertThat(file.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(file.getBody()).isEqualTo(finished.bestCheckpoint());
        assertThat(file.getHeaders().getFirst("X-Checksum-SHA256")).isEqualTo(sha);
        assertThat(file.getHeaders().containsKey(CheckpointDownloads.TRIAL_STATE_HEADER)).as("a complete trial's").isFalse();
        assertThat(file.getHeaders().getContentDisposition().getFilename())
                .isEqualTo(finished.experiment().name() + "_" + TestData.INCEPTION_V2 + "_trial-3.tlckpt");

        HttpHeaders range = new HttpHeaders();
        range.set(HttpHeaders.RANGE, "bytes=10-19");
        ResponseEntity<byte[]> part = as(Role.VIEWER).exchange("/api/experiments/" + id + "/best-checkpoint",
                HttpMethod.GET, new HttpEntity<>(range), byte[].class);
        assertThat(part.getStatusCode()).isEqualTo(HttpStatus.PARTIAL_CONTENT);
        assertThat(part.getBody()).isEqualTo(Arrays.copyOfRange(finished.bestCheckpoint(), 10, 20));
        assertThat(part.getHeaders().getFirst(HttpHeaders.CONTENT_RANGE))
                .isEqualTo("bytes 10-19/" + finished.bestCheckpoint().length);

        assertThat(file.getHeaders().getETag()).isEqualTo("\"" + sha + "\"");

        // Two ranges: a multipart answer whose declared length (if any) is its real length.
        HttpHeaders twoRanges = new HttpHeaders();
        twoRanges.set(HttpHeaders.RANGE, "bytes=0-9,20-29");
        ResponseEntity<byte[]> parts = as(Role.VIEWER).exchange("/api/experiments/" + id + "/best-checkpoint",
                HttpMethod.GET, new HttpEntity<>(twoRanges), byte[].class);
        assertThat(parts.getStatusCode()).isEqualTo(HttpStatus.PARTIAL_CONTENT);
        assertThat(parts.getHeaders().getContentType().toString()).startsWith("multipart/byteranges");
        if (parts.getHeaders().getContentLength() >= 0) {
            assertThat(parts.getHeaders().getContentLength()).isEqualTo(parts.getBody().length);
        }
        assertThat(new String(parts.getBody(), java.nio.charset.StandardCharsets.ISO_8859_1))
                .contains(new String(Arrays.copyOfRange(finished.bestCheckpoint(), 0, 10), java.nio.charset.StandardCharsets.ISO_8859_1))
                .contains(new String(Arrays.copyOfRange(finished.bestCheckpoint(), 20, 30), java.nio.charset.StandardCharsets.ISO_8859_1));

        // Resuming a download of a file that has since changed (another ETag) gets the whole new file.
        HttpHeaders stale = new HttpHeaders();
        stale.set(HttpHeaders.RANGE, "bytes=10-19");
        stale.set(HttpHeaders.IF_RANGE, "\"an-older-best-checkpoint\"");
        ResponseEntity<byte[]> whole = as(Role.VIEWER).exchange("/api/experiments/" + id + "/best-checkpoint",
                HttpMethod.GET, new HttpEntity<>(stale), byte[].class);
        assertThat(whole.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(whole.getBody()).isEqualTo(finished.bestCheckpoint());

        String checkpointUrl = trial.get("checkpoints").get(0).get("download").asText();
        assertThat(as(Role.VIEWER).getForEntity(checkpointUrl, byte[].class).getBody()).isEqualTo(finished.bestCheckpoint());
        assertError(rest.getForEntity("/api/experiments/" + id + "/best-checkpoint", JsonNode.class),
                HttpStatus.UNAUTHORIZED, "authentication required");
    }

    @Test
    void anExperimentWithoutFinishedTrialsHasNoCheckpointToDownload() {
        ResponseEntity<JsonNode> created = post(launchJson(TestData.unique("empty"), ""));
        long id = created.getBody().get("id").asLong();
        assertError(as(Role.VIEWER).getForEntity("/api/experiments/" + id + "/best-checkpoint", JsonNode.class),
                HttpStatus.NOT_FOUND, "no complete trial with a checkpoint yet");
    }

    /** An ended experiment gets no more trials: the 404 says so instead of "wait", and why its trials failed. */
    @Test
    void anEndedExperimentWithoutACheckpointSaysItWillNotGetOne() {
        long id = post(launchJson(TestData.unique("ended"), "")).getBody().get("id").asLong();
        as(Role.OPERATOR).postForObject("/api/experiments/" + id + "/cancel", null, JsonNode.class);
        ResponseEntity<JsonNode> none = as(Role.VIEWER).getForEntity("/api/experiments/" + id + "/best-checkpoint",
                JsonNode.class);
        assertError(none, HttpStatus.NOT_FOUND, "experiment " + id + " was cancelled before any trial completed, so it "
                + "has no model to download; launch it again");
        assertThat(none.getBody().get("error").asText()).doesNotContain("wait", "fail");

        long failed = experiments.create(new dev.templatelab.storage.experiments.NewExperiment(TestData.unique("failed"),
                dataset.id(), List.of(TestData.INCEPTION_V2), "{}", "random", "none",
                dev.templatelab.storage.experiments.Budget.of(2, 1), dev.templatelab.storage.metrics.Metric.VAL_ACCURACY,
                dev.templatelab.storage.metrics.Direction.MAXIMIZE, 1, "admin"), List.of(new NewTrial(
                TestData.INCEPTION_V2, List.of()))).id();
        experiments.fail(failed, "the dataset vanished");
        assertError(as(Role.VIEWER).getForEntity("/api/experiments/" + failed + "/best-checkpoint", JsonNode.class),
                HttpStatus.NOT_FOUND, "experiment " + failed + " ended (FAILED) without a complete trial with a "
                        + "checkpoint and runs no more trials; launch it again (why 1 trial(s) failed: GET "
                        + "/api/experiments/" + failed + "/trials?state=FAIL)");

        // Cancelled after a trial completed, but that trial stored no checkpoint (its store lost it, or a tool recorded
        // only its result): not "cancelled before any trial completed".
        long completedBare = experiments.create(new dev.templatelab.storage.experiments.NewExperiment(
                TestData.unique("completed-bare"), dataset.id(), List.of(TestData.INCEPTION_V2), "{}", "random", "none",
                dev.templatelab.storage.experiments.Budget.of(2, 1), dev.templatelab.storage.metrics.Metric.VAL_ACCURACY,
                dev.templatelab.storage.metrics.Direction.MAXIMIZE, 1, "admin"), List.of(
                new NewTrial(TestData.INCEPTION_V2, List.of()), new NewTrial(TestData.INCEPTION_V2, List.of()))).id();
        trials.complete(trials.claimNext(completedBare, "worker-a").orElseThrow().lease(),
                dev.templatelab.storage.trials.TrialResult.of(0.7));
        as(Role.OPERATOR).postForObject("/api/experiments/" + completedBare + "/cancel", null, JsonNode.class);
        assertError(as(Role.VIEWER).getForEntity("/api/experiments/" + completedBare + "/best-checkpoint", JsonNode.class),
                HttpStatus.NOT_FOUND, "experiment " + completedBare + " ended (CANCELLED) without a complete trial with "
                        + "a checkpoint and runs no more trials; launch it again");
    }

    /**
     * Cancelling is not failing: a running and a waiting trial become CANCELLED, counted as such, without an error. The
     * running one reports the epoch of its checkpoint (not the later epoch whose metrics the cancel cut off from its
     * checkpoint), and with no trial complete, the best-checkpoint download is that checkpoint, marked as a cancelled
     * trial's. Without any checkpoint, the 404 says the experiment was cancelled before one was stored.
     */
    @Test
    void aCancelledExperimentsTrialsAreCancelledNotFailedAndItsBestCancelledCheckpointIsOffered() {
        TestData.Cancelled c = TestData.cancelledExperiment(experiments, trials, checkpoints, dataset.id(), true);
        long id = c.experiment().id();

        JsonNode experiment = as(Role.VIEWER).getForObject("/api/experiments/" + id, JsonNode.class);
        assertThat(experiment.get("state").asText()).isEqualTo("CANCELLED");
        assertThat(experiment.get("trials").get("cancelled").asInt()).isEqualTo(2);
        assertThat(experiment.get("trials").get("failed").asInt()).isZero();
        // With no trial complete, its best is the cancelled trial the download serves, saying so (also in the list)
        assertThat(experiment.get("best").get("trialId").asLong()).isEqualTo(c.runningTrialId());
        assertThat(experiment.get("best").get("state").asText()).isEqualTo("CANCELLED");
        assertThat(experiment.get("best").get("objective").asDouble()).isEqualTo(0.5);
        JsonNode cancelledList = as(Role.VIEWER).getForObject("/api/experiments?state=CANCELLED&size=100", JsonNode.class);
        assertThat(cancelledList).filteredOn(e -> e.get("id").asLong() == id).singleElement()
                .satisfies(e -> assertThat(e.get("best")).isEqualTo(experiment.get("best")));
        JsonNode list = as(Role.VIEWER).getForObject("/api/experiments/" + id + "/trials", JsonNode.class);
        assertThat(list).hasSize(2).allSatisfy(t -> {
            assertThat(t.get("state").asText()).isEqualTo("CANCELLED");
            assertThat(t.get("error").isNull()).isTrue();
        });
        assertThat(as(Role.VIEWER).getForObject("/api/experiments/" + id + "/trials?state=CANCELLED", JsonNode.class))
                .hasSize(2);
        JsonNode ran = as(Role.VIEWER).getForObject("/api/trials/" + c.runningTrialId(), JsonNode.class);
        assertThat(ran.get("trial").get("objective").asDouble()).as("epoch 1's, which has the checkpoint").isEqualTo(0.5);
        assertThat(ran.get("trial").get("bestEpoch").asInt()).isEqualTo(1);
        assertThat(ran.get("epochs")).as("its curve stays").hasSize(2);
        assertThat(ran.get("checkpoints")).singleElement().satisfies(k -> {
            assertThat(k.get("epoch").asInt()).isEqualTo(1);
            assertThat(k.get("best").asBoolean()).isTrue();
        });

        ResponseEntity<byte[]> file = as(Role.VIEWER).getForEntity("/api/experiments/" + id + "/best-checkpoint",
                byte[].class);
        assertThat(file.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(file.getBody()).isEqualTo(c.checkpoint());
        assertThat(file.getHeaders().getFirst(CheckpointDownloads.TRIAL_STATE_HEADER)).isEqualTo("CANCELLED");
        assertThat(file.getHeaders().getContentDisposition().getFilename()).endsWith("_trial-0.tlckpt");

        long bare = TestData.cancelledExperiment(experiments, trials, checkpoints, dataset.id(), false).experiment().id();
        assertError(as(Role.VIEWER).getForEntity("/api/experiments/" + bare + "/best-checkpoint", JsonNode.class),
                HttpStatus.NOT_FOUND, "experiment " + bare + " was cancelled before any trial completed, and none of its "
                        + "2 cancelled trial(s) finished an epoch with a checkpoint, so it has no model to download; "
                        + "launch it again");
        assertThat(as(Role.VIEWER).getForObject("/api/experiments/" + bare, JsonNode.class).get("best").isNull())
                .as("no trial stored a checkpoint: no best").isTrue();
        JsonNode none = as(Role.VIEWER).getForObject("/api/trials/" + trials.find(bare, 0).orElseThrow().id(),
                JsonNode.class);
        assertThat(none.get("trial").get("objective").isNull()).isTrue();
        assertThat(none.get("trial").get("bestEpoch").isNull()).isTrue();
    }

    /**
     * A checkpoint the database records outside this server's artifact store (written by a worker with another
     * {@code --artifacts}) is the server's problem, not bad input: 500 saying so and what to check, not 400.
     */
    @Test
    void aCheckpointInAnotherArtifactStoreIsAServerErrorThatSaysSo() throws IOException {
        TestData.Finished finished = TestData.finishedExperiment(experiments, trials, checkpoints, dataset.id());
        long checkpointId = checkpoints.best(finished.bestTrialId()).orElseThrow().id();
        java.nio.file.Path elsewhere = java.nio.file.Files.write(java.nio.file.Files.createTempDirectory("other-store")
                .resolve("best.tlckpt"), finished.bestCheckpoint());
        jdbc.update("UPDATE checkpoints SET uri = ? WHERE id = ?", elsewhere.toUri().toString(), checkpointId);
        String byId = "/api/trials/" + finished.bestTrialId() + "/checkpoints/" + checkpointId;

        for (String url : List.of("/api/experiments/" + finished.experiment().id() + "/best-checkpoint", byId)) {
            ResponseEntity<JsonNode> answer = as(Role.VIEWER).getForEntity(url, JsonNode.class);
            assertError(answer, HttpStatus.INTERNAL_SERVER_ERROR, "checkpoint " + checkpointId + " was written to a "
                    + "different artifact store than this server's: " + elsewhere.toUri() + " is not under ");
            assertThat(answer.getBody().get("error").asText())
                    .contains("check that every worker uses the server's artifact store (--artifacts / "
                            + "TEMPLATELAB_ARTIFACTS_ROOT");
        }
    }

    /** A 416 carries no file; a Range header that does not parse is ignored (RFC 9110), so the whole file comes. */
    @Test
    void unsatisfiableRangesGetNoFileAndInvalidOnesTheWholeFile() {
        TestData.Finished finished = TestData.finishedExperiment(experiments, trials, checkpoints, dataset.id());
        int length = finished.bestCheckpoint().length;
        String best = "/api/experiments/" + finished.experiment().id() + "/best-checkpoint";
        String byId = as(Role.VIEWER).getForObject("/api/trials/" + finished.bestTrialId(), JsonNode.class)
                .get("checkpoints").get(0).get("download").asText();
        for (String url : new String[] {best, byId}) {
            ResponseEntity<byte[]> beyond = range(url, "bytes=9999999-");
            assertThat(beyond.getStatusCode()).as(url).isEqualTo(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
            assertThat(beyond.getHeaders().getFirst(HttpHeaders.CONTENT_RANGE)).isEqualTo("bytes */" + length);
            assertThat(beyond.getBody()).as("body of the 416 from %s", url).isNullOrEmpty();
            assertThat(beyond.getHeaders().getContentLength()).isIn(-1L, 0L);

            for (String invalid : new String[] {"bytes=abc", "bytes=20-10", "pages=1-2"}) {
                ResponseEntity<byte[]> whole = range(url, invalid);
                assertThat(whole.getStatusCode()).as("%s with Range: %s", url, invalid).isEqualTo(HttpStatus.OK);
                assertThat(whole.getBody()).isEqualTo(finished.bestCheckpoint());
                assertThat(whole.getHeaders().getContentLength()).isEqualTo(length);
            }
            assertThat(range(url, "bytes=" + (length - 5) + "-").getBody())
                    .isEqualTo(Arrays.copyOfRange(finished.bestCheckpoint(), length - 5, length));
        }
    }

    private ResponseEntity<byte[]> range(String url, String range) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RANGE, range);
        return as(Role.VIEWER).exchange(url, HttpMethod.GET, new HttpEntity<>(headers), byte[].class);
    }

    /** A fraction or a quoted number is not cut or parsed into a count or an id: 400 naming the field. */
    @Test
    void fractionsAndQuotedNumbersAreRefusedNamingTheField() {
        long before = experiments.list(null, Pageable.unpaged()).getTotalElements();
        String name = TestData.unique("coerced");
        assertRefused(post(launchJson(name, "").replace("\"maxTrials\":4", "\"maxTrials\":1.5")), "maxTrials",
                "field 'maxTrials' takes a whole number, got 1.5");
        assertRefused(post(launchJson(name, "").replace("\"datasetId\":" + dataset.id(),
                "\"datasetId\":" + dataset.id() + ".9")), "datasetId", "field 'datasetId' takes a whole number");
        assertRefused(post(launchJson(name, "").replace("\"maxTrials\":4", "\"maxTrials\":\"2\"")), "maxTrials",
                "field 'maxTrials' takes a whole number, unquoted");
        assertRefused(post(launchJson(name, ",\"maxWallClockSeconds\":0.5")), "maxWallClockSeconds",
                "field 'maxWallClockSeconds' takes a whole number, got 0.5");
        assertRefused(post(launchJson(name, ",\"target\":\"0.9\"")), "target", "field 'target' takes a number");
        assertRefused(post(launchJson(name, "").replace("\"allowRandomInit\":true", "\"allowRandomInit\":\"true\"")),
                "allowRandomInit", "field 'allowRandomInit' takes true or false");
        // Nor is a number or true/false taken as a string's text.
        assertRefused(post(launchJson(name, "").replace("\"name\":\"" + name + "\"", "\"name\":123")), "name",
                "field 'name' takes a string in quotes, got 123");
        assertRefused(post(launchJson(name, "").replace("\"" + TestData.INCEPTION_V2 + "\"", "true")), "templates[0]",
                "field 'templates[0]' takes a string in quotes, got true");
        assertRefused(post(launchJson(name, "").replace("\"sampler\":\"random\"", "\"sampler\":1.5")), "sampler", "field 'sampler' takes a string in quotes");
        assertThat(experiments.list(null, Pageable.unpaged()).getTotalElements()).isEqualTo(before);

        // A whole number where a fraction may be is fine.
        ResponseEntity<JsonNode> created = post(launchJson(name, ",\"target\":1"));
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        as(Role.OPERATOR).postForObject("/api/experiments/" + created.getBody().get("id").asLong() + "/cancel", null,
                JsonNode.class);
    }

    /** A value of the wrong shape names the field and what it takes, not Jackson's classes. */
    @Test
    void aListOrObjectOfTheWrongShapeAndAnOutOfRangeNumberAreRefusedNamingTheField() {
        long before = experiments.list(null, Pageable.unpaged()).getTotalElements();
        String name = TestData.unique("shapes");
        assertRefused(post(launchJson(name, "").replace("[\"" + TestData.INCEPTION_V2 + "\",\"" + TestData.BN_INCEPTION
                + "\"]", "\"" + TestData.INCEPTION_V2 + "\"")), "templates", "field 'templates' takes a JSON list ([...])");
        assertRefused(post(launchJson(name, ",\"searchSpace\":\"lrate=0.1\"")), "searchSpace",
                "field 'searchSpace' takes a JSON object ({...})");
        assertRefused(post(launchJson(name, "").replace("\"maxTrials\":4", "\"maxTrials\":99999999999999")),
                "maxTrials", "field 'maxTrials' is out of range: Numeric value (99999999999999) out of range of int");
        ResponseEntity<JsonNode> array = post("[" + launchJson(name, "") + "]");
        assertError(array, HttpStatus.BAD_REQUEST, "the request body must be a JSON object");
        assertThat(array.getBody().toString()).doesNotContain("LaunchJson", "java.util");
        assertThat(experiments.list(null, Pageable.unpaged()).getTotalElements()).isEqualTo(before);
    }

    /** YAML bodies (Spring reads application/yaml with Jackson too) follow the same rules as JSON. */
    @Test
    void yamlBodiesTakePlainNumbersAndRefuseFractions() {
        String yaml = "name: " + TestData.unique("yaml") + "\ndatasetId: " + dataset.id() + "\ntemplates: ["
                + TestData.INCEPTION_V2 + "]\nmaxTrials: 2\nmaxEpochsPerTrial: 1\ntarget: 0.9\nallowRandomInit: true\n";
        assertRefused(postYaml(yaml.replace("maxTrials: 2", "maxTrials: 1.5")), "maxTrials",
                "field 'maxTrials' takes a whole number, got 1.5");
        assertError(postYaml(yaml + "maxEpochs: 3\n"), HttpStatus.BAD_REQUEST, "unknown field 'maxEpochs'");
        ResponseEntity<JsonNode> created = postYaml(yaml);
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        assertThat(created.getBody().get("maxTrials").asInt()).isEqualTo(2);
        as(Role.OPERATOR).postForObject("/api/experiments/" + created.getBody().get("id").asLong() + "/cancel", null,
                JsonNode.class);
    }

    private ResponseEntity<JsonNode> postYaml(String yaml) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.valueOf("application/yaml"));
        headers.setAccept(List.of(MediaType.APPLICATION_JSON));
        return as(Role.OPERATOR).postForEntity("/api/experiments", new HttpEntity<>(yaml, headers), JsonNode.class);
    }

    /** No trial can reach 5.0 accuracy or a negative loss: such a target is refused, not waited for. */
    @Test
    void aTargetOutsideTheObjectivesRangeIsRefused() {
        String name = TestData.unique("target");
        assertRefused(post(launchJson(name, ",\"target\":5.0")), "target",
                "target: must be between 0.0 and 1.0 for objective accuracy, got 5.0");
        assertRefused(post(launchJson(name, ",\"target\":-0.1").replace("\"accuracy\"", "\"macro_f1\"")), "target",
                "for objective macro_f1, got -0.1");
        assertRefused(post(launchJson(name, ",\"target\":-1").replace("\"accuracy\"", "\"loss\"")), "target",
                "must be at least 0.0 for objective loss, got -1.0");
        assertThat(experiments.findByName(name)).isEmpty();
    }

    /** A name with a line break or tab would end up in tables, logs and file names. */
    @Test
    void anExperimentNameWithControlCharactersIsRefused() {
        String name = TestData.unique("ctl");
        assertRefused(post(launchJson(name + "\\r\\nX-Injected: yes", "")), "name",
                "the experiment name may not contain control characters (tabs, line breaks...); it has U+000D");
        assertRefused(post(launchJson("tab\\tx" + name, "")), "name", "it has U+0009");
        assertThat(experiments.list(null, Pageable.unpaged()).stream().map(e -> e.experiment().name()))
                .noneMatch(n -> n.contains(name));
    }

    private static void assertRefused(ResponseEntity<JsonNode> response, String field, String messagePart) {
        assertError(response, HttpStatus.BAD_REQUEST, messagePart);
        assertThat(response.getBody().get("field").asText()).isEqualTo(field);
    }

    private ResponseEntity<JsonNode> post(String json) {
        return as(Role.OPERATOR).postForEntity("/api/experiments", jsonBody(json), JsonNode.class);
    }
}
