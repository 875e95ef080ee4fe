package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.testdata.TinyDigits;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** train -> evaluate --json -> predict --json through the command line, on generated colour images. */
class TrainEvaluatePredictCliTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final TemporaryUserHome home = new TemporaryUserHome(() -> dir);

    private static void image(Path file, Color colour, long seed) throws Exception {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(80 + r.nextInt(40), 80 + r.nextInt(40), 80 + r.nextInt(40)));
        g.fillRect(0, 0, 40, 40);
        g.setColor(colour);
        g.fillRect(r.nextInt(10), r.nextInt(10), 28, 28);
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void trainThenEvaluateThenPredict() throws Exception {
        Path data = dir.resolve("data");
        for (int i = 0; i < 30; i++) {
            image(data.resolve("red").resolve(i + ".png"), Color.RED, i);
            image(data.resolve("blue").resolve(i + ".png"), Color.BLUE, 100 + i);
        }
        Path ckpt = dir.resolve("m.tlckpt");

        JsonNode trained = new ObjectMapper().readTree(CapturedOutput.succeeds("train", "--template", "Clarifai_InceptionBatchNorm",
                "--random-init", "--data", data.toString(), "--out", ckpt.toString(), "--json", "--set", "image_size=32",
                "--set", "width_multiplier=0.125", "--set", "num_epochs=10", "--set", "batch_size=8", "--set", "lrate=0.02",
                "--set", "logreg=0", "--set", "validation_fraction=0.25"));
        assertThat(trained.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(trained.get("sha256").asText()).hasSize(64);

        // Evaluated on a zip of the same images: extracted for the evaluation, and deleted after it.
        Path zip = TinyDigits.zip(data, dir.resolve("data.zip"));
        JsonNode eval = new ObjectMapper().readTree(CapturedOutput.succeeds("evaluate", "--checkpoint", ckpt.toString(), "--data",
                zip.toString(), "--json"));
        try (var left = Files.list(dir.resolve(".templatelab").resolve("work"))) {
            assertThat(left.toList()).as("left after evaluating a zip").isEmpty();
        }
        assertThat(eval.get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
        assertThat(eval.get("macroF1").asDouble()).isGreaterThan(0.85);
        assertThat(eval.get("perClass")).hasSize(2);
        assertThat(eval.get("confusionMatrix")).hasSize(2);
        assertThat(eval.get("count").asInt()).isEqualTo(60);

        // One class's images: a fair question to ask a trained model (training on them would be refused).
        Path redOnly = dir.resolve("red-only");
        Files.createDirectories(redOnly);
        Files.move(data.resolve("red"), redOnly.resolve("red"));
        JsonNode red = new ObjectMapper().readTree(CapturedOutput.succeeds("evaluate", "--checkpoint", ckpt.toString(),
                "--data", redOnly.toString(), "--json"));
        assertThat(red.get("count").asInt()).isEqualTo(30);
        assertThat(red.get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
        Files.move(redOnly.resolve("red"), data.resolve("red"));

        JsonNode predictions = new ObjectMapper().readTree(CapturedOutput.succeeds("predict", "--checkpoint", ckpt.toString(), "--json",
                data.resolve("red").resolve("0.png").toString(), data.resolve("blue").resolve("0.png").toString()));
        assertThat(predictions.get(0).get("predictions").get(0).get("label").asText()).isEqualTo("red");
        assertThat(predictions.get(1).get("predictions").get(0).get("label").asText()).isEqualTo("blue");

        // A file that is no image costs its own line, not the other images' results.
        Path notAnImage = java.nio.file.Files.writeString(data.resolveSibling("IMG_1.HEIC"), "not a picture");
        CapturedOutput.Run mixed = CapturedOutput.run("predict", "--checkpoint", ckpt.toString(), "--json",
                data.resolve("red").resolve("0.png").toString(), notAnImage.toString());
        assertThat(mixed.code()).isEqualTo(1);
        JsonNode both = new ObjectMapper().readTree(mixed.out());
        assertThat(both.get(0).get("predictions").get(0).get("label").asText()).isEqualTo("red");
        assertThat(both.get(1).get("error").asText()).startsWith("cannot read " + notAnImage + " as an image");
        assertThat(mixed.err()).contains("error: 1 of 2 file(s) could not be read as images").doesNotContain("\tat ");
    }

    /** Stopped before the first epoch ended, no checkpoint was written: --json must not name one. */
    @Test
    void interruptedInTheFirstEpochJsonNamesNoCheckpoint() throws Exception {
        Path data = dev.templatelab.testdata.TinyDigits.write(dir, 10, 40);
        Path out = dir.resolve("jc.tlckpt");
        String said = CliProcess.interruptedWhen(dir, output -> output.contains("dataset: "), "the dataset imported",
                "train", "--template", "Clarifai_InceptionV2", "--data", data.toString(), "--out", out.toString(),
                "--json", "--set", "image_size=64", "--set", "width_multiplier=0.125", "--set", "batch_size=8",
                "--set", "num_epochs=200");   // some 45 batches of 64x64 images: far from the end of epoch 1
        String json = said.lines().filter(l -> l.startsWith("{")).reduce((first, last) -> last).orElseThrow(
                () -> new AssertionError("no JSON in: " + said));
        JsonNode result = new ObjectMapper().readTree(json);
        assertThat(result.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(result.get("epochs").asInt()).as("stopped in epoch 1, as this test means to").isZero();
        assertThat(out).doesNotExist();
        assertThat(result.get("checkpoint").isNull()).as("checkpoint in %s", json).isTrue();
        assertThat(result.get("sha256").isNull()).isTrue();
    }

    /** Ctrl-C (SIGTERM here: the same shutdown hooks) ends training with its summary and how to go on. */
    @Test
    void interruptedTrainingPrintsItsSummaryAndHowToResume() throws Exception {
        Path data = dev.templatelab.testdata.TinyDigits.write(dir, 2, 15);
        Path out = dir.resolve("long.tlckpt");
        String said = CliProcess.interruptedWhen(dir, output -> Files.exists(out), "an epoch finished", "train",
                "--template", "Clarifai_InceptionV2", "--data", data.toString(), "--out", out.toString(), "--set",
                "image_size=32", "--set", "width_multiplier=0.125", "--set", "batch_size=16", "--set",
                "validation_fraction=0.3", "--set", "num_epochs=200");   // until the first epoch's checkpoint
        assertThat(said).contains("CANCELLED after ", "checkpoint " + out.toAbsolutePath(),
                "the same command with --resume continues after the last finished epoch");
    }
}
