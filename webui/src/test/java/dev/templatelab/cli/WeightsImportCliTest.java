package dev.templatelab.cli;

import static dev.templatelab.cli.CapturedOutput.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.cli.CapturedOutput.Run;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.transfer.imports.Npy;
import dev.templatelab.training.transfer.imports.SafetensorsReader;
import dev.templatelab.training.transfer.imports.SafetensorsWriter;
import dev.templatelab.training.transfer.imports.SourceTensor;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weights import}, {@code weights list} and {@code infer} through the command line, on a BN-Inception
 * state dict written by PyTorch ({@code bench/parity/torch_reference.py}, Cadene's names): the imported model
 * reproduces PyTorch's logits; bad files are one-line errors that write nothing.
 */
class WeightsImportCliTest {

    private static final String BN_INCEPTION = "Clarifai_InceptionBatchNorm";

    @TempDir
    static Path shared;
    static Path reference;

    @TempDir
    Path dir;

    @RegisterExtension
    final TemporaryUserHome home = new TemporaryUserHome(() -> dir);   // the weights registry inside dir

    @BeforeAll
    static void pytorchWeights() throws Exception {
        reference = shared.resolve("bninception");
        TorchScript.run("--model", "bninception", "--sizes", "96", "--batch", "3", "--out", reference.toString());
    }

    @Test
    void importListAndInferReproducePyTorch() throws Exception {
        Path ckpt = dir.resolve("bninception.tlckpt");
        Run imported = run("weights", "import", "--template", BN_INCEPTION, "--file",
                reference.resolve("weights.safetensors").toString(), "--name", "cadene-random", "--out", ckpt.toString());
        assertThat(imported.code()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("mapping cadene-bninception").contains("classifier: 1000 classes (class_0, ...)")
                .contains("train with --set pretrained_weights=cadene-random");

        JsonNode provenance = new ObjectMapper().valueToTree(Checkpoints.readMetadata(ckpt).extra().get("importedFrom"));
        assertThat(provenance.get("sha256").asText()).isEqualTo(Checkpoints.sha256(reference.resolve("weights.safetensors")));
        assertThat(provenance.get("mapping").asText()).isEqualTo("cadene-bninception");
        assertThat(provenance.get("file").asText()).endsWith("weights.safetensors");

        Run list = run("weights", "list");
        assertThat(list.out()).contains(BN_INCEPTION).contains("cadene-random").contains("1000 classes");

        // The name is taken now: experiments may use those weights, so each way of registering refuses it, before
        // any work, unless --replace is given.
        Path registered = TemplateLabHome.fromEnvironment().weights().resolve(BN_INCEPTION).resolve("cadene-random.tlckpt");
        String registeredSha = Checkpoints.sha256(registered);
        Path other = dir.resolve("other.tlckpt");
        for (Run refused : List.of(
                run("weights", "import", "--template", BN_INCEPTION, "--file", reference.resolve("weights.safetensors")
                        .toString(), "--name", "cadene-random", "--out", other.toString()),
                run("weights", "register", "--template", BN_INCEPTION, "--name", "cadene-random", "--checkpoint",
                        ckpt.toString()),
                run("pretrain", "--template", BN_INCEPTION, "--name", "cadene-random", "--data",
                        dir.resolve("no-such-dataset").toString()))) {
            assertThat(refused.code()).as(refused.err()).isEqualTo(2);
            assertThat(refused.err()).contains("error: pretrained weights 'cadene-random' are already registered for "
                    + BN_INCEPTION, "choose another name, or replace them on purpose (--replace)");
        }
        assertThat(other).doesNotExist();
        assertThat(Checkpoints.sha256(registered)).isEqualTo(registeredSha);
        Run replaced = run("weights", "register", "--template", BN_INCEPTION, "--name", "cadene-random", "--checkpoint",
                ckpt.toString(), "--replace");
        assertThat(replaced.code()).as(replaced.err()).isZero();
        assertThat(replaced.out()).contains("registered " + BN_INCEPTION + " / cadene-random");

        Path logits = dir.resolve("logits.npy");
        Run infer = run("infer", "--checkpoint", ckpt.toString(), "--input", reference.resolve("input_96.npy").toString(),
                "--output", logits.toString());
        assertThat(infer.code()).as(infer.err()).isZero();
        float[] actual = npy(logits).values();
        float[] expected = npy(reference.resolve("logits_96.npy")).values();
        assertThat(npy(logits).shape()).containsExactly(3, 1000);
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        assertThat(diff).isLessThan(1e-3 * scale);
        for (int row = 0; row < 3; row++) {
            assertThat(argMax(actual, row)).as("top-1 of image %d", row).isEqualTo(argMax(expected, row));
        }
    }

    @Test
    void aBnInceptionFileIsTheEmbedNormBackboneWithoutItsLinearClassifier() throws Exception {
        Path ckpt = dir.resolve("embednorm.tlckpt");
        Run imported = run("weights", "import", "--template", "Clarifai_InceptionTransferEmbedNorm", "--file",
                reference.resolve("weights.safetensors").toString(), "--name", "cadene-backbone", "--out", ckpt.toString());
        assertThat(imported.code()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("dropped by the mapping (no place in this template): last_linear.weight, last_linear.bias")
                .contains("no classifier in the file: the head is random");
        Run infer = run("infer", "--checkpoint", ckpt.toString(), "--input", reference.resolve("input_96.npy").toString(),
                "--output", dir.resolve("y.npy").toString());
        assertThat(infer.code()).isEqualTo(2);
        assertThat(infer.err()).contains("backbone for transfer");
        assertThat(dir.resolve("y.npy")).doesNotExist();
        assertThat(run("weights", "list", "--template", "Clarifai_InceptionTransferEmbedNorm").out()).contains("cadene-backbone");
    }

    @Test
    void badFilesAreOneLineErrorsThatWriteNothing() throws Exception {
        Path good = reference.resolve("weights.safetensors");
        Map<String, SourceTensor> tensors = SafetensorsReader.read(good);

        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 1000));
        expectError(BN_INCEPTION, truncated, "ends at byte", "(truncated?)");

        expectError("Clarifai_ResNext", good, "has no classifier 'fc.weight' for Clarifai_ResNext",
                "the file's names look like BN-Inception");

        Map<String, SourceTensor> missing = new LinkedHashMap<>(tensors);
        missing.remove("inception_4a_1x1_bn.running_var");
        expectError(BN_INCEPTION, write("missing", missing), "missing tensor 'inception_4a_1x1_bn.running_var' [224]");

        Map<String, SourceTensor> reshaped = new LinkedHashMap<>(tensors);
        SourceTensor conv = tensors.get("conv1_7x7_s2.weight");
        reshaped.put(conv.name(), new SourceTensor(conv.name(), "F32", new long[] {32, 6, 7, 7}, conv.values()));
        expectError(BN_INCEPTION, write("reshaped", reshaped),
                "tensor 'conv1_7x7_s2.weight' has shape [32, 6, 7, 7], expected [64, 3, 7, 7]");

        Map<String, SourceTensor> extra = new LinkedHashMap<>(tensors);
        extra.put("aux_logits.weight", new SourceTensor("aux_logits.weight", "F32", new long[] {2}, new float[2]));
        expectError(BN_INCEPTION, write("extra", extra), "unexpected tensor 'aux_logits.weight' [2]");

        // A header that lies: the first tensor claims twice its bytes (shape doubled, offsets unchanged).
        Path lying = dir.resolve("lying.safetensors");
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        String lie = header.replaceFirst("\"shape\":\\[64,3,7,7\\]", "\"shape\":[128,3,7,7]");
        assertThat(lie).isNotEqualTo(header);
        byte[] lieBytes = lie.getBytes(StandardCharsets.UTF_8);
        byte[] lyingFile = new byte[bytes.length - (int) headerLength + lieBytes.length];
        ByteBuffer.wrap(lyingFile).order(ByteOrder.LITTLE_ENDIAN).putLong(lieBytes.length).put(lieBytes)
                .put(bytes, 8 + (int) headerLength, bytes.length - 8 - (int) headerLength);
        Files.write(lying, lyingFile);
        expectError(BN_INCEPTION, lying, "tensor 'conv1_7x7_s2.weight' claims 37632 bytes, but shape [128, 3, 7, 7] of F32 needs 75264");

        assertThat(run("weights", "list").out()).contains("no pretrained weights registered");
    }

    private Path write(String name, Map<String, SourceTensor> tensors) throws Exception {
        Path file = dir.resolve(name + ".safetensors");
        SafetensorsWriter.write(file, tensors);
        return file;
    }

    private void expectError(String template, Path file, String... messageParts) throws Exception {
        Path out = dir.resolve("out-" + file.getFileName() + ".tlckpt");
        Run r = run("weights", "import", "--template", template, "--file", file.toString(), "--name", "bad", "--out",
                out.toString());
        assertThat(r.code()).as("exit code for %s; stderr %s", file.getFileName(), r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ").contains(file.toString()).contains(messageParts);
        assertThat(r.err().strip().lines().count()).as("one line: %s", r.err()).isEqualTo(1);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("nothing written for %s", file.getFileName()).noneMatch(n -> n.startsWith("out-") || n.startsWith(".out-"));
        }
        assertThat(dir.resolve(".templatelab/weights").resolve(template)).satisfiesAnyOf(
                p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    }

    static SourceTensor npy(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return Npy.read(in, file.getFileName().toString(), file.toString());
        }
    }

    private static int argMax(float[] logits, int row) {
        int best = 0;
        for (int c = 1; c < 1000; c++) {
            if (logits[row * 1000 + c] > logits[row * 1000 + best]) {
                best = c;
            }
        }
        return best;
    }
}
