package dev.templatelab.training.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.fit.CheckpointListener;
import dev.templatelab.training.fit.EpochMetrics;
import dev.templatelab.training.fit.TrainingContext;
import dev.templatelab.training.optim.Optimizers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class CheckpointsTest {

    private static final TemplateSpec SPEC = new TemplateSpec(4, 64, 64, 3, 0.25, 16, 16.0, HeadActivation.SIGMOID);

    private static CheckpointMetadata metadata() {
        return new CheckpointMetadata(CheckpointMetadata.FORMAT, "Clarifai_InceptionTransferEmbedNorm", SPEC,
                List.of("a", "b", "c", "d"), DataConfig.imagenet(64), Map.of("batch_size", 8, "lrate", 0.1),
                Map.of("accuracy", 0.75), "abc123", 5L, 42L, 3, Versions.current(), Instant.now().toString(),
                Map.of("note", "test"));
    }

    private static ComputationGraph network() {
        var template = TemplateRegistry.standard().get("Clarifai_InceptionTransferEmbedNorm");
        ComputationGraph net = Optimizers.withUpdater(template.build(SPEC), new Adam(1e-3)).newNetwork(1);
        Nd4j.getRandom().setSeed(3);
        var x = Nd4j.rand(DataType.FLOAT, 4, 3, 64, 64);
        var y = Nd4j.eye(4).castTo(DataType.FLOAT);
        net.fit(new DataSet(x, y));   // non-trivial updater state and BN statistics
        return net;
    }

    @Test
    void roundTripKeepsOutputsMetadataAndUpdaterState(@TempDir Path dir) throws Exception {
        ComputationGraph net = network();
        INDArray input = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64);
        INDArray before = net.outputSingle(false, input);
        Path file = dir.resolve("model.tlckpt");

        String sha = Checkpoints.write(file, net, metadata());

        assertThat(sha).hasSize(64).isEqualTo(Checkpoints.sha256(file));
        assertThat(Files.readString(Checkpoints.sidecar(file))).startsWith(sha);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model.tlckpt", "model.tlckpt.sha256");
        }
        Checkpoints.Loaded loaded = Checkpoints.read(file, true);
        assertThat(loaded.sha256()).isEqualTo(sha);
        assertThat(loaded.network().outputSingle(false, input)).isEqualTo(before);
        assertThat(loaded.network().getUpdater().getStateViewArray()).isEqualTo(net.getUpdater().getStateViewArray());
        CheckpointMetadata m = loaded.metadata();
        assertThat(m.template()).isEqualTo("Clarifai_InceptionTransferEmbedNorm");
        assertThat(m.spec()).isEqualTo(SPEC);
        assertThat(m.labels()).containsExactly("a", "b", "c", "d");
        assertThat(m.data()).isEqualTo(DataConfig.imagenet(64));
        assertThat(m.versions()).containsKeys("deeplearning4j", "java", "os");
        assertThat(m.versions().get("deeplearning4j")).isEqualTo("1.0.0-M2.1");
        assertThat(m.datasetHash()).isEqualTo("abc123");
        assertThat(m.seed()).isEqualTo(42L);
    }

    /**
     * Checkpoints are written in one pass now: the model's entries hold exactly the bytes DL4J's
     * {@code ModelSerializer} writes, and files written before through it (its zip, with the metadata entry
     * added) still read with their updater state.
     */
    @Test
    void readsCheckpointsWrittenThroughModelSerializer(@TempDir Path dir) throws Exception {
        ComputationGraph net = network();
        INDArray input = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64);
        Path model = dir.resolve("model.zip");
        ModelSerializer.writeModel(net, model.toFile(), true);
        Path old = dir.resolve("old.tlckpt");
        try (var zip = new ZipOutputStream(Files.newOutputStream(old)); var dl4j = new ZipFile(model.toFile())) {
            zip.putNextEntry(new ZipEntry(Checkpoints.METADATA_ENTRY));
            zip.write(Checkpoints.toJson(metadata()).getBytes(StandardCharsets.UTF_8));
            for (var entries = dl4j.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                zip.putNextEntry(new ZipEntry(entry.getName()));
                try (var in = dl4j.getInputStream(entry)) {
                    in.transferTo(zip);
                }
            }
        }
        Checkpoints.Loaded loaded = Checkpoints.read(old, true);
        assertThat(loaded.network().outputSingle(false, input)).isEqualTo(net.outputSingle(false, input));
        assertThat(loaded.network().getUpdater().getStateViewArray()).isEqualTo(net.getUpdater().getStateViewArray());
        assertThat(loaded.metadata().template()).isEqualTo("Clarifai_InceptionTransferEmbedNorm");

        Path current = dir.resolve("new.tlckpt");
        Checkpoints.write(current, net, metadata());
        try (var written = new ZipFile(current.toFile()); var dl4j = new ZipFile(model.toFile())) {
            assertThat(written.stream().map(ZipEntry::getName)).containsExactly(Checkpoints.METADATA_ENTRY,
                    "configuration.json", "coefficients.bin", "updaterState.bin");
            for (ZipEntry entry : dl4j.stream().toList()) {
                assertThat(written.getInputStream(written.getEntry(entry.getName())).readAllBytes())
                        .as(entry.getName()).isEqualTo(dl4j.getInputStream(entry).readAllBytes());
            }
        }
    }

    /**
     * An epoch that is the best so far goes to both files (same bytes, and `best`'s own sidecar with that SHA-256);
     * a worse epoch goes to `last` only. That `best` is a copy rather than a second write (both give the same bytes
     * within a zip timestamp's two seconds) is what bench/checkpoint measures, not this test.
     */
    @Test
    void theBestEpochGoesToBothFilesAndAWorseOneOnlyToLast(@TempDir Path dir) throws Exception {
        ComputationGraph net = network();
        Path best = dir.resolve("best.tlckpt");
        Path last = dir.resolve("best.tlckpt.last");
        var listener = new CheckpointListener(best, last, (metrics, epochs) -> metadata());
        var context = new TrainingContext(net, 0, 3, 1);

        listener.onEpoch(context, new EpochMetrics(0, 1.0, 1.0, 0.5, 0.5, 0.1, 10, 1));
        assertThat(Files.readAllBytes(best)).isEqualTo(Files.readAllBytes(last));
        assertThat(Files.readString(Checkpoints.sidecar(best))).startsWith(Checkpoints.sha256(best) + "  best.tlckpt");
        assertThat(listener.bestSha256()).isEqualTo(Checkpoints.sha256(best));
        assertThat(Checkpoints.read(best, true).network().params()).isEqualTo(net.params());
        byte[] bestBytes = Files.readAllBytes(best);

        net.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 4, 3, 64, 64), Nd4j.eye(4).castTo(DataType.FLOAT)));
        listener.onEpoch(context, new EpochMetrics(1, 1.0, 1.0, 0.25, 0.25, 0.1, 10, 1));
        assertThat(Files.readAllBytes(best)).isEqualTo(bestBytes);
        assertThat(Files.readAllBytes(last)).isNotEqualTo(bestBytes);
        assertThat(Checkpoints.read(last, true).network().params()).isEqualTo(net.params());
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(
                    "best.tlckpt", "best.tlckpt.sha256", "best.tlckpt.last", "best.tlckpt.last.sha256");
        }
    }

    /** A checkpoint that cannot be written says why (the file system's reason) and how to go on. */
    @Test
    void aCheckpointThatCannotBeWrittenSaysWhy(@TempDir Path dir) throws Exception {
        Path aFile = Files.writeString(dir.resolve("not-a-folder"), "x");
        var listener = new CheckpointListener(aFile.resolve("m.tlckpt"), aFile.resolve("m.tlckpt.last"),
                (metrics, epochs) -> metadata());
        assertThatThrownBy(() -> listener.onEpoch(new TrainingContext(network(), 0, 3, 1),
                new EpochMetrics(0, 1.0, 1.0, 0.5, 0.5, 0.1, 10, 1)))
                .hasMessageContaining("could not write the checkpoint " + aFile.resolve("m.tlckpt.last") + ": " + aFile
                        + " exists and is not a folder")
                .hasMessageContaining("then resume (train --resume)");
    }

    /** The bulk writer produces ND4J's own bytes: float arrays (large, a view), and another type handed to ND4J. */
    @Test
    void writeArrayWritesExactlyWhatNd4jWrites() throws Exception {
        Nd4j.getRandom().setSeed(7);
        INDArray large = Nd4j.randn(DataType.FLOAT, 70_001);   // more than one 64 KiB chunk, and not a multiple of it
        INDArray matrix = Nd4j.randn(DataType.FLOAT, 5, 7);
        for (INDArray array : List.of(large, matrix, matrix.getRow(3), matrix.getColumn(2),
                Nd4j.randn(DataType.DOUBLE, 3, 4), Nd4j.create(DataType.FLOAT, 0))) {
            var expected = new ByteArrayOutputStream();
            try (var out = new DataOutputStream(expected)) {
                Nd4j.write(array, out);
            }
            var actual = new ByteArrayOutputStream();
            try (var out = new DataOutputStream(actual)) {
                Checkpoints.writeArray(array, out);
            }
            assertThat(actual.toByteArray()).as("%s", Arrays.toString(array.shape())).isEqualTo(expected.toByteArray());
            try (var in = new DataInputStream(new ByteArrayInputStream(actual.toByteArray()))) {
                assertThat(Nd4j.read(in)).isEqualTo(array);
            }
        }
    }

    /** A copy that fails leaves the target, its sidecar and the folder as they were. */
    @Test
    void aFailedCopyChangesNothing(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("best.tlckpt");
        String sha = Checkpoints.write(target, network(), metadata());
        byte[] before = Files.readAllBytes(target);

        assertThatThrownBy(() -> Checkpoints.copy(dir.resolve("missing.tlckpt"), "0".repeat(64), target))
                .isInstanceOf(NoSuchFileException.class);

        assertThat(Files.readAllBytes(target)).isEqualTo(before);
        assertThat(Checkpoints.verify(target)).isEqualTo(sha);
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("best.tlckpt", "best.tlckpt.sha256");
        }
    }

    /**
     * A checkpoint, its copy and their sidecars get the permissions of any new file (the umask's), not the owner-only
     * ones of a temporary file: a model written to a shared folder is readable there like the user's other files.
     */
    @Test
    void writtenFilesHaveTheUmasksPermissionsNotATemporaryFilesOwnerOnlyOnes(@TempDir Path dir) throws Exception {
        Path best = dir.resolve("best.tlckpt");
        String sha = Checkpoints.write(best, network(), metadata());
        Checkpoints.copy(best, sha, dir.resolve("copy.tlckpt"));
        var plain = Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain")));
        for (String name : List.of("best.tlckpt", "best.tlckpt.sha256", "copy.tlckpt", "copy.tlckpt.sha256")) {
            assertThat(Files.getPosixFilePermissions(dir.resolve(name))).as(name).isEqualTo(plain);
        }
    }

    @Test
    void aCorruptedFileIsDetected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.tlckpt");
        Checkpoints.write(file, network(), metadata());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(file, bytes);
        assertThatThrownBy(() -> Checkpoints.read(file, false))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("is corrupt: SHA-256");
    }

    /**
     * Format 1 checkpoints (every ReLU its own layer) still read and compute what they did; a format this build
     * does not know is refused with what to do, rather than read with parts of the network silently ignored.
     */
    @Test
    void readsFormatOneAndRefusesAnUnknownFormat(@TempDir Path dir) throws Exception {
        var spec = new TemplateSpec(2, 32, 32, 3, 1.0, 8, 16.0, HeadActivation.SOFTMAX);
        var cursor = dev.templatelab.architectures.graph.GraphCursor.start(spec,
                dev.templatelab.architectures.graph.Padding.EXPLICIT, dev.templatelab.architectures.graph.BatchNormStyle.PYTORCH)
                .conv("c1", 8, 3, 1, 1, false).batchNorm("c1_bn").relu("c1_relu").globalAvgPool("pool");
        cursor.denseClassifier(2, HeadActivation.SOFTMAX, 1.0);
        ComputationGraph separateRelu = Optimizers.withUpdater(cursor.build("pool", List.of(
                dev.templatelab.architectures.TemplateGraph.OUTPUT)), new Adam(1e-3)).newNetwork(5);
        INDArray input = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32).subi(0.5);
        INDArray before = separateRelu.outputSingle(false, input);
        CheckpointMetadata current = metadata();
        Path v1 = dir.resolve("v1.tlckpt");
        Checkpoints.write(v1, separateRelu, withFormat(current, "templatelab-checkpoint/1"));
        Checkpoints.Loaded loaded = Checkpoints.read(v1, false);
        assertThat(loaded.metadata().format()).isEqualTo("templatelab-checkpoint/1");
        assertThat(loaded.network().getLayer("c1_relu")).isNotNull();
        assertThat(loaded.network().outputSingle(false, input)).isEqualTo(before);

        Path future = dir.resolve("v3.tlckpt");
        Checkpoints.write(future, separateRelu, withFormat(current, "templatelab-checkpoint/3"));
        assertThatThrownBy(() -> Checkpoints.read(future, false)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("has checkpoint format 'templatelab-checkpoint/3'")
                .hasMessageContaining("this build reads templatelab-checkpoint/1 and templatelab-checkpoint/2");
    }

    private static CheckpointMetadata withFormat(CheckpointMetadata m, String format) {
        return new CheckpointMetadata(format, m.template(), m.spec(), m.labels(), m.data(), m.hyperparameters(),
                m.metrics(), m.datasetHash(), m.splitSeed(), m.seed(), m.epoch(), m.versions(), m.createdAt(), m.extra());
    }

    @Test
    void notACheckpointSaysSo(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello");
        assertThatThrownBy(() -> Checkpoints.read(text, false)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not a checkpoint");
        assertThatThrownBy(() -> Checkpoints.read(dir.resolve("missing.tlckpt"), false))
                .hasMessageContaining("no checkpoint at");
    }
}
