package dev.templatelab.web.api;

import static dev.templatelab.web.ApiCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.checkpoint.Versions;
import dev.templatelab.training.transfer.exports.TorchExport;
import dev.templatelab.training.transfer.imports.SafetensorsReader;
import dev.templatelab.web.TestData;
import dev.templatelab.web.WebAppTest;
import dev.templatelab.web.security.Role;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/** The best checkpoint, and any trial's, as a zip for PyTorch: made from the stored checkpoint on request. */
class PytorchDownloadsTest extends WebAppTest {

    @Autowired
    DatasetService datasets;
    @Autowired
    ExperimentService experiments;
    @Autowired
    TrialService trials;
    @Autowired
    CheckpointService checkpoints;

    @TempDir
    Path dir;

    DatasetInfo dataset;

    @BeforeEach
    void dataset() throws Exception {
        dataset = TestData.dataset(datasets, datasetsDir().resolve("records-only"));
    }

    @Test
    void theBestCheckpointComesAsSafetensorsAndTheModuleZipped() throws Exception {
        var template = TemplateRegistry.standard().get(TestData.INCEPTION_V2);
        TemplateSpec spec = TemplateSpec.of(2, 32).withWidthMultiplier(0.125);
        Path file = dir.resolve("real.tlckpt");
        Checkpoints.write(file, template.build(spec).newNetwork(7), new CheckpointMetadata(CheckpointMetadata.FORMAT,
                template.name(), spec, List.of("a", "b"), DataConfig.imagenet(32), Map.of(), Map.of("accuracy", 0.75),
                "hash", 1, 2, 0, Versions.current(), "2026-12-03T00:00:00Z", Map.of()));
        byte[] checkpoint = Files.readAllBytes(file);
        var finished = TestData.experimentWithCheckpoint(experiments, trials, checkpoints, dataset.id(), checkpoint);
        long id = finished.experiment().id();

        ResponseEntity<byte[]> zip = as(Role.VIEWER).getForEntity("/api/experiments/" + id + "/best-checkpoint/pytorch",
                byte[].class);

        assertThat(zip.getStatusCode()).as("%s", zip.getBody() == null ? "" : new String(zip.getBody()))
                .isEqualTo(HttpStatus.OK);
        assertThat(zip.getHeaders().getContentType().toString()).isEqualTo("application/zip");
        String base = finished.experiment().name() + "_" + TestData.INCEPTION_V2 + "_trial-0";
        assertThat(zip.getHeaders().getContentDisposition().getFilename()).isEqualTo(base + "-pytorch.zip");
        assertThat(zip.getHeaders().getFirst(PytorchDownloads.SOURCE_CHECKSUM_HEADER)).isEqualTo(sha256(checkpoint));
        assertThat(zip.getHeaders().getFirst(CheckpointDownloads.CHECKSUM_HEADER)).isEqualTo(sha256(zip.getBody()));
        Map<String, byte[]> entries = unzip(zip.getBody());
        assertThat(entries).containsOnlyKeys(base + ".safetensors", "templatelab_torch.py");
        assertThat(new String(entries.get("templatelab_torch.py"))).isEqualTo(TorchExport.moduleSource());
        Path weights = dir.resolve("w.safetensors");
        Files.write(weights, entries.get(base + ".safetensors"));
        assertThat(SafetensorsReader.readMetadata(weights)).containsEntry("templatelab.template", TestData.INCEPTION_V2)
                .containsEntry("templatelab.checkpointSha256", sha256(checkpoint));
        assertThat(SafetensorsReader.read(weights).get("Logits.Conv2d_1c_1x1.weight").shape())
                .containsExactly(2, 128, 1, 1);

        // A trial's checkpoint by its id: the same export.
        JsonNode trial = as(Role.VIEWER).getForObject("/api/trials/" + finished.bestTrialId(), JsonNode.class);
        String url = trial.get("checkpoints").get(0).get("download").asText() + "/pytorch";
        ResponseEntity<byte[]> byTrial = as(Role.VIEWER).getForEntity(url, byte[].class);
        assertThat(byTrial.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(unzip(byTrial.getBody()).get(base + ".safetensors")).isEqualTo(entries.get(base + ".safetensors"));

        assertError(rest.getForEntity("/api/experiments/" + id + "/best-checkpoint/pytorch", JsonNode.class),
                HttpStatus.UNAUTHORIZED, "authentication required");
    }

    @Test
    void aFileThatIsNoCheckpointIsA500ThatSaysWhatToTry() {
        var finished = TestData.experimentWithCheckpoint(experiments, trials, checkpoints, dataset.id(),
                "not a checkpoint".getBytes());
        assertError(as(Role.VIEWER).getForEntity("/api/experiments/" + finished.experiment().id()
                        + "/best-checkpoint/pytorch", JsonNode.class), HttpStatus.INTERNAL_SERVER_ERROR,
                "could not be exported for PyTorch");
    }

    @Test
    void noCheckpointYetIsA404() {
        var finished = TestData.cancelledExperiment(experiments, trials, checkpoints, dataset.id(), false);
        assertError(as(Role.VIEWER).getForEntity("/api/experiments/" + finished.experiment().id()
                + "/best-checkpoint/pytorch", JsonNode.class), HttpStatus.NOT_FOUND, "no");
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws Exception {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
