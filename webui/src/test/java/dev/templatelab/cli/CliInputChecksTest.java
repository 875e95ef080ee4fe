package dev.templatelab.cli;

import static dev.templatelab.cli.CapturedOutput.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.cli.CapturedOutput.Run;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.checkpoint.Versions;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the smaller commands: one {@code error:} line and exit code 2, before any work. */
class CliInputChecksTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final TemporaryUserHome home = new TemporaryUserHome(() -> dir);   // the weights registry inside dir

    /** An untrained Inception-v2 checkpoint at the smallest size: enough for predict to run. */
    private Path tinyCheckpoint() throws Exception {
        Template t = TemplateRegistry.standard().get("Clarifai_InceptionV2");
        TemplateSpec spec = new TemplateSpec(2, 32, 32, 3, 0.125, 16, 16.0, HeadActivation.SOFTMAX);
        Path ckpt = dir.resolve("tiny.tlckpt");
        Checkpoints.write(ckpt, t.build(spec).newNetwork(1), new CheckpointMetadata(CheckpointMetadata.FORMAT, t.name(),
                spec, List.of("a", "b"), DataConfig.imagenet(32), Map.of(), Map.of(), "h", 0, 0, 1, Versions.current(),
                Instant.now().toString(), Map.of()));
        return ckpt;
    }

    @Test
    void predictRefusesATopBelowOne() throws Exception {
        Path ckpt = tinyCheckpoint();
        Path image = dir.resolve("x.png");
        ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        for (String top : List.of("0", "-1")) {
            Run r = run("predict", "--checkpoint", ckpt.toString(), "--top", top, image.toString());
            assertThat(r.code()).as("--top %s; stdout: %s", top, r.out()).isEqualTo(2);
            assertThat(r.err()).contains("error: --top must be at least 1, got " + top);
        }
        assertThat(CapturedOutput.succeeds("predict", "--checkpoint", ckpt.toString(), "--top", "1", image.toString()))
                .containsPattern("\\s+(a|b)\\s+\\d\\.\\d{4}");
    }

    /** Options are named as the user typed them, and checked before the checkpoint and the dataset are read. */
    @Test
    void evaluateBatchAndClassesBelowOneAreRefusedByTheirOptionNames() {
        Path missing = dir.resolve("no-such.tlckpt");   // not read: the option is refused first
        Run evaluate = run("evaluate", "--checkpoint", missing.toString(), "--data", dir.toString(), "--batch", "0");
        assertThat(evaluate.code()).isEqualTo(2);
        assertThat(evaluate.err()).contains("error: --batch must be at least 1, got 0");
        Run templates = run("templates", "--classes", "0");
        assertThat(templates.code()).isEqualTo(2);
        assertThat(templates.err()).contains("error: --classes must be at least 1, got 0");
        Run bench = run("bench", "--template", "Clarifai_InceptionV2", "--classes", "-2", "--size", "32");
        assertThat(bench.code()).isEqualTo(2);
        assertThat(bench.err()).contains("error: --classes must be at least 1, got -2");
    }

    @Test
    void tuneRefusesASetGivenTwiceAsTrainDoes() {
        Run r = run("tune", "--templates", "Clarifai_InceptionV2", "--data", dir.toString(), "--set", "image_size=64",
                "--set", "image_size=32");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("error: --set image_size given twice");
        Run perTemplate = run("tune", "--templates", "Clarifai_InceptionV2", "--data", dir.toString(), "--set",
                "Clarifai_InceptionV2.lrate=0.01..0.1", "--set", "Clarifai_InceptionV2.lrate=0.2");
        assertThat(perTemplate.code()).isEqualTo(2);
        assertThat(perTemplate.err()).contains("error: --set Clarifai_InceptionV2.lrate given twice");
        assertThat(dir.resolve(".templatelab").resolve("postgres")).as("refused before the database started")
                .doesNotExist();
    }

    /** With no readable image there are no other predictions to point to. */
    @Test
    void predictWithNoReadableImageSaysNoneCouldBeRead() throws Exception {
        Path ckpt = tinyCheckpoint();
        Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
        Run r = run("predict", "--checkpoint", ckpt.toString(), text.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("error: none of the 1 file(s) could be read as images; see above why")
                .doesNotContain("predictions are above");
    }

    /** --max-minutes is refused in minutes, as given, before the database starts. */
    @Test
    void tuneRefusesMaxMinutesBelowOneInMinutes() {
        for (String minutes : List.of("0", "-5")) {
            Run r = run("tune", "--templates", "Clarifai_InceptionV2", "--data", dir.toString(), "--max-minutes", minutes);
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("error: --max-minutes must be at least 1, got " + minutes)
                    .doesNotContain(" s\n");
        }
        assertThat(dir.resolve(".templatelab").resolve("postgres")).doesNotExist();
    }

    /** pretrained_weights=None means no weights: a set registered as None (any case) could never be used. */
    @Test
    void theWeightsNameNoneIsRefusedEverywhereWeightsAreRegistered() {
        Run register = run("weights", "register", "--template", "Clarifai_InceptionV2", "--name", "None",
                "--checkpoint", dir.resolve("m.tlckpt").toString());
        Run importing = run("weights", "import", "--template", "Clarifai_InceptionV2", "--file",
                dir.resolve("w.safetensors").toString(), "--name", "none", "--out", dir.resolve("w.tlckpt").toString());
        Run pretrain = run("pretrain", "--template", "Clarifai_InceptionV2", "--name", "NONE", "--data", dir.toString());
        for (Run r : List.of(register, importing, pretrain)) {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).containsPattern("error: weights name '(None|none|NONE)' is reserved: "
                    + "pretrained_weights=None means no pretrained weights; choose another name");
        }
    }

    @Test
    void weightsRegisterHelpDescribesEveryOption() {
        String help = CapturedOutput.succeeds("weights", "register", "--help").replaceAll("\\s+", " ");
        assertThat(help).contains("--checkpoint=<checkpoint> Checkpoint written by 'train' (or 'pretrain')",
                "--template=<template> Template the checkpoint was trained as (see 'templates').");
    }

    @Test
    void pretrainKerasRefusesAFileThatIsNotHdf5() throws Exception {
        Path notH5 = Files.writeString(dir.resolve("model.h5"), "<html>a download that went wrong</html>");
        Run r = run("pretrain", "--template", "MMClassification_ResNet_50_RSB_A1", "--name", "k", "--keras",
                notH5.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("error: " + notH5 + " is not a Keras .h5 (HDF5) file");
        Run missing = run("pretrain", "--template", "MMClassification_ResNet_50_RSB_A1", "--name", "k", "--keras",
                dir.resolve("missing.h5").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("error: Keras file " + dir.resolve("missing.h5") + " does not exist");
    }

    @Test
    void sampleDataRefusesAnEmptyPathAFileOrAFolderHoldingOtherFiles() throws Exception {
        Run empty = run("sample-data", "--out", "");
        assertThat(empty.code()).isEqualTo(2);
        assertThat(empty.err()).contains("error: --out is empty; give the folder to write the sample into");

        Path file = Files.writeString(dir.resolve("d3"), "x");
        Run intoFile = run("sample-data", "--out", file.toString());
        assertThat(intoFile.code()).isEqualTo(2);
        assertThat(intoFile.err()).contains("error: " + file + " is a file; give a folder to write the MNIST sample into");

        Path dataset = Files.createDirectories(dir.resolve("dataset").resolve("cat"));
        Files.writeString(dataset.resolve("1.jpg"), "someone's image");
        Run intoDataset = run("sample-data", "--out", dataset.getParent().toString());
        assertThat(intoDataset.code()).isEqualTo(2);
        assertThat(intoDataset.err()).contains("error: " + dataset.getParent() + " is not empty (cat) and not an "
                + "earlier copy of the MNIST sample; give a new or empty folder");
        try (var left = Files.list(dataset.getParent())) {
            assertThat(left.toList()).as("nothing written").containsExactly(dataset);
        }
    }

    @Test
    void templatesPrintsNoLibraryWarnings() {
        Run r = run("templates", "--classes", "2", "--size", "32", "--width-multiplier", "0.125");
        assertThat(r.code()).isZero();
        assertThat(r.err()).doesNotContain("WARN");
    }
}
