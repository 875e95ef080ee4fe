package dev.templatelab.training.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.runtime.Bfloat16Convolutions;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.TrainingJob;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.data.DatasetException;
import dev.templatelab.training.eval.Evaluation;
import dev.templatelab.training.fit.CancellationToken;
import dev.templatelab.training.fit.Decision;
import dev.templatelab.training.fit.EpochMetrics;
import dev.templatelab.training.fit.TrainingContext;
import dev.templatelab.training.fit.TrainingListener;
import dev.templatelab.training.fit.TrainingOutcome;
import java.awt.Color;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole training run, from a dataset on disk to an evaluated checkpoint, at a size CI can afford. */
class TrainingJobTest {

    @TempDir
    Path dir;

    private final StringWriter log = new StringWriter();

    private static Map<String, String> small(int epochs) {
        Map<String, String> hp = new LinkedHashMap<>();
        hp.put("image_size", "32");
        hp.put("width_multiplier", "0.125");
        hp.put("batch_size", "16");
        hp.put("num_epochs", String.valueOf(epochs));
        hp.put("lrate", "0.05");
        hp.put("logreg", "0");
        hp.put("validation_fraction", "0.25");
        return hp;
    }

    private TrainingJob.Result run(String template, Path data, Map<String, String> hp, Path out, boolean randomInit,
                                   boolean resume) throws Exception {
        return TrainingJob.run(new TrainingJob.Request(template, data, hp, out, randomInit, resume,
                new TemplateLabHome(dir.resolve("home"))), new PrintWriter(log, true), List.of(), new CancellationToken());
    }

    @Test
    void trainsAFolderDatasetToAnEvaluatedCheckpointWithProvenance() throws Exception {
        Path data = SyntheticImages.colourFolders(dir.resolve("colours"), 24);
        Path out = dir.resolve("model.tlckpt");
        Map<String, String> hp = small(10);
        hp.put("batch_size", "8");
        hp.put("lrate", "0.02");

        TrainingJob.Result r = run("Clarifai_InceptionBatchNorm", data, hp, out, true, false);

        assertThat(r.outcome().status()).isEqualTo(TrainingOutcome.Status.COMPLETED);
        assertThat(r.outcome().history()).hasSize(10);
        Evaluation e = r.evaluation();
        assertThat(e.count()).isEqualTo(18);      // 25 % of 24 per class
        assertThat(e.accuracy()).as("validation accuracy on coloured squares").isGreaterThanOrEqualTo(0.9);
        assertThat(r.sha256()).isEqualTo(Checkpoints.sha256(out));
        CheckpointMetadata m = Checkpoints.readMetadata(out);
        assertThat(m.template()).isEqualTo("Clarifai_InceptionBatchNorm");
        assertThat(m.labels()).containsExactly("blue", "green", "red");
        assertThat(m.datasetHash()).isEqualTo(r.data().dataset().contentHash());
        assertThat(m.hyperparameters()).containsEntry("batch_size", 8).containsEntry("lrate", 0.02);
        assertThat(m.metrics()).containsKeys("history", "evaluation", "status");
        assertThat(m.versions()).containsEntry("deeplearning4j", "1.0.0-M2.1");
        assertThat(log.toString()).contains("split 54 train / 18 validation / 0 test")
                .contains("starts from random weights (--random-init)");
    }

    /**
     * precision=bfloat16 where the CPU has AVX-512 BF16: the convolutions multiply in bfloat16 and the run learns as
     * float32 does (coloured squares, BN-Inception at width 0.25, as the first test trains it). Reported as skipped
     * on other CPUs (oneDNN 2.5 has no bfloat16 kernels there); the refusal is the next test.
     */
    @Test
    void bfloat16TrainsAsFloat32Does() throws Exception {
        Assumptions.assumeTrue(Bfloat16Convolutions.supported(), "this CPU has no AVX-512 BF16");
        Path data = SyntheticImages.colourFolders(dir.resolve("colours"), 24);
        Map<String, String> hp = bfloat16Run();
        Path out = dir.resolve("bf16.tlckpt");
        TrainingJob.Result bf16 = run("Clarifai_InceptionBatchNorm", data, hp, out, true, false);
        hp.put("precision", "float32");
        TrainingJob.Result f32 = run("Clarifai_InceptionBatchNorm", data, hp, dir.resolve("f32.tlckpt"), true,
                false);

        assertThat(log.toString()).containsOnlyOnce("precision: bfloat16 multiplications in");
        assertThat(Checkpoints.readMetadata(out).hyperparameters()).containsEntry("precision", "bfloat16");
        assertThat(f32.evaluation().accuracy()).as("float32 validation accuracy").isGreaterThanOrEqualTo(0.9);
        assertThat(bf16.evaluation().accuracy()).as("bfloat16 validation accuracy (float32: %s)",
                f32.evaluation().accuracy()).isGreaterThanOrEqualTo(f32.evaluation().accuracy() - 0.1);
    }

    /** Without bfloat16 kernels (here: the oneDNN path off, as on a CPU without AVX-512 BF16) nothing is written. */
    @Test
    void bfloat16IsRefusedBeforeAnythingIsWrittenWhereTheKernelsAreMissing() throws Exception {
        Path data = SyntheticImages.colourFolders(dir.resolve("colours"), 24);
        Path out = dir.resolve("bf16.tlckpt");
        String before = System.getProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY);
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "true");
        try {
            assertThatThrownBy(() -> run("Clarifai_InceptionBatchNorm", data, bfloat16Run(), out, true, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AVX-512 BF16")
                    .hasMessageContaining("precision=float32");
        } finally {
            if (before == null) {
                System.clearProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY);
            } else {
                System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, before);
            }
        }
        assertThat(out).doesNotExist();
        assertThat(log.toString()).doesNotContain("split ");
    }

    private static Map<String, String> bfloat16Run() {
        Map<String, String> hp = small(10);
        hp.put("width_multiplier", "0.25");
        hp.put("batch_size", "8");
        hp.put("lrate", "0.02");
        hp.put("precision", "bfloat16");
        return hp;
    }

    @Test
    void resumeContinuesFromTheLastEpoch() throws Exception {
        Path data = SyntheticImages.colourFolders(dir.resolve("colours"), 8);
        Path out = dir.resolve("model.tlckpt");
        run("Clarifai_InceptionV2", data, small(2), out, false, false);
        assertThat(TrainingJob.lastCheckpoint(out)).exists();

        TrainingJob.Result resumed = run("Clarifai_InceptionV2", data, small(3), out, false, true);

        assertThat(log.toString()).contains("resuming from").contains("after epoch 2");
        assertThat(resumed.outcome().history()).extracting(h -> h.epoch()).containsExactly(2);

        // The saved network keeps its updater, schedule and head dropout, and the split follows seed and fractions:
        // resuming with other settings is refused before training, naming each, rather than recording settings it
        // did not train with. Only how long it trains may change (num_epochs above).
        Map<String, String> changed = small(4);
        changed.put("head_dropout", "0.3");
        changed.put("lrate", "0.5");
        changed.put("validation_fraction", "0.5");
        changed.put("updater", "adam");
        changed.put("early_stopping_patience", "2");
        assertThatThrownBy(() -> run("Clarifai_InceptionV2", data, changed, out, false, true))
                .hasMessageContaining("it was trained with ")
                .hasMessageContaining("lrate=0.05 (not 0.5)")
                .hasMessageContaining("validation_fraction=0.25 (not 0.5)")
                .hasMessageContaining("updater=nesterovs (not adam)")
                .hasMessageContaining("head_dropout=0.0 (not 0.3)")
                .hasMessageNotContaining("num_epochs=").hasMessageNotContaining("early_stopping_patience=")
                .hasMessageContaining("only num_epochs and early_stopping_patience may change");

        // Another network: named by the settings that make it so, not by the spec record's toString.
        Map<String, String> otherNetwork = small(4);
        otherNetwork.put("image_size", "48");
        otherNetwork.put("width_multiplier", "0.25");
        assertThatThrownBy(() -> run("Clarifai_InceptionV2", data, otherNetwork, out, false, true))
                .hasMessageEndingWith(": it holds another network than this run builds: input 32x32 (not 48x48), "
                        + "width_multiplier=0.125 (not 0.25); resume with the template, classes and settings it was "
                        + "started with, or start afresh (train --overwrite)")
                .hasMessageNotContaining("TemplateSpec[");
    }

    /** Weights a run cannot start from are refused before the dataset is read (minutes on a large one). */
    @Test
    void missingStartingWeightsAreRefusedBeforeTheDatasetIsRead() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));   // its import would fail: it is not reached
        Path out = dir.resolve("model.tlckpt");
        assertThatThrownBy(() -> run("Clarifai_InceptionBatchNorm", empty, small(1), out, false, false))
                .hasMessageStartingWith("Clarifai_InceptionBatchNorm is meant to start from pretrained weights");
        Map<String, String> named = small(1);
        named.put("pretrained_weights", "imagenet");
        assertThatThrownBy(() -> run("Clarifai_InceptionV2", empty, named, out, false, false))
                .hasMessage("no pretrained weights 'imagenet' for Clarifai_InceptionV2; none are registered (use "
                        + "'templatelab pretrain' or 'templatelab weights import')");
    }

    /** A cosine schedule is baked into the saved updater: training longer than planned says where the rate stays. */
    @Test
    void resumingACosineRunForMoreEpochsSaysTheScheduleKeepsItsLength() throws Exception {
        Path data = SyntheticImages.colourFolders(dir.resolve("colours"), 8);
        Path out = dir.resolve("model.tlckpt");
        Map<String, String> hp = small(1);
        hp.put("lr_schedule", "cosine");
        run("Clarifai_InceptionV2", data, hp, out, false, false);

        hp.put("num_epochs", "2");
        run("Clarifai_InceptionV2", data, hp, out, false, true);

        assertThat(log.toString()).contains("note: the cosine schedule keeps the 1 epochs it was started with");
    }

    /**
     * A run stopped by the user (Ctrl-C cancels its token) keeps its best epoch but skips the test-split evaluation,
     * which can take minutes on real data while the user waits; resuming to the end evaluates.
     */
    @Test
    void aStoppedRunSavesItsBestEpochWithoutTheTestEvaluation() throws Exception {
        Path data = SyntheticImages.colourFolders(dir.resolve("colours"), 12);
        Path out = dir.resolve("model.tlckpt");
        Map<String, String> hp = small(3);
        hp.put("test_fraction", "0.25");
        CancellationToken token = new CancellationToken();
        TrainingListener stopAfterFirstEpoch = new TrainingListener() {
            @Override
            public Decision onEpoch(TrainingContext context, EpochMetrics metrics) {
                token.cancel();
                return Decision.CONTINUE;
            }
        };
        TrainingJob.Result stopped = TrainingJob.run(new TrainingJob.Request("Clarifai_InceptionV2", data, hp, out, true,
                false, new TemplateLabHome(dir.resolve("home"))), new PrintWriter(log, true), List.of(stopAfterFirstEpoch),
                token);

        assertThat(stopped.outcome().status()).isEqualTo(TrainingOutcome.Status.CANCELLED);
        assertThat(stopped.outcome().history()).hasSize(1);
        assertThat(stopped.evaluation()).isNull();
        assertThat(stopped.sha256()).isEqualTo(Checkpoints.sha256(out));
        assertThat(Checkpoints.readMetadata(out).metrics()).containsEntry("status", "CANCELLED").doesNotContainKey("evaluation");
        assertThat(log.toString()).contains("stopped: the best epoch is saved; the final evaluation runs when the run is "
                + "resumed to its end");

        TrainingJob.Result resumed = run("Clarifai_InceptionV2", data, hp, out, true, true);
        assertThat(resumed.outcome().status()).isEqualTo(TrainingOutcome.Status.COMPLETED);
        assertThat(resumed.evaluation().count()).as("the test split: a quarter of 12 per class").isEqualTo(9);
    }

    /** Stopped while its dataset is still being read, a run ends there: no image more is read, nothing is written. */
    @Test
    void aRunStoppedDuringTheDatasetImportEndsThere() throws Exception {
        Path data = SyntheticImages.colourFolders(dir.resolve("colours"), 8);
        Path out = dir.resolve("model.tlckpt");
        CancellationToken token = new CancellationToken();
        token.cancel();

        TrainingJob.Result stopped = TrainingJob.run(new TrainingJob.Request("Clarifai_InceptionV2", data, small(2), out,
                false, false, new TemplateLabHome(dir.resolve("home"))), new PrintWriter(log, true), List.of(), token);

        assertThat(stopped.outcome().status()).isEqualTo(TrainingOutcome.Status.CANCELLED);
        assertThat(stopped.outcome().history()).isEmpty();
        assertThat(stopped.sha256()).isNull();
        assertThat(out).doesNotExist();
        assertThat(TrainingJob.lastCheckpoint(out)).doesNotExist();
        assertThat(log.toString()).contains("stopped while reading ", "(0 of 24 files checked); nothing was trained")
                .doesNotContain("dataset: ");
    }

    /** A zip is extracted for the run alone: afterwards nothing of it, nor of a killed run's, is left in the work folder. */
    @Test
    void aRunOnAZipDeletesWhatItExtracted() throws Exception {
        Path folder = SyntheticImages.colourFolders(dir.resolve("colours"), 8);
        Path zip = dir.resolve("colours.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip));
             var files = Files.walk(folder)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new java.util.zip.ZipEntry(folder.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        Path work = new TemplateLabHome(dir.resolve("home")).work();
        // What a killed run left (no process holds it): swept when the next run starts.
        Files.writeString(Files.createDirectories(work.resolve("import-killed")).resolve("image.png"), "pixels");

        TrainingJob.Result r = run("Clarifai_InceptionV2", zip, small(1), dir.resolve("model.tlckpt"), false, false);

        assertThat(r.outcome().status()).isEqualTo(TrainingOutcome.Status.COMPLETED);
        assertThat(r.data().extractedTo()).as("extracted under the home's work folder").startsWithRaw(work.toRealPath());
        try (var left = Files.list(work)) {
            assertThat(left.toList()).as("left in " + work).isEmpty();
        }
    }

    /** A run stopped after writing FILE.last but before copying that best epoch to FILE gets it back on resume. */
    @Test
    void resumeRestoresABestEpochThatOnlyReachedTheLastFile() throws Exception {
        Path data = SyntheticImages.colourFolders(dir.resolve("colours"), 8);
        Path out = dir.resolve("model.tlckpt");
        run("Clarifai_InceptionV2", data, small(2), out, false, false);
        Files.delete(out);
        Files.delete(Checkpoints.sidecar(out));

        TrainingJob.Result resumed = run("Clarifai_InceptionV2", data, small(2), out, false, true);

        assertThat(resumed.outcome().history()).isEmpty();
        assertThat(out).exists();
        assertThat(Checkpoints.readMetadata(out).epoch()).isEqualTo(2);
        assertThat(resumed.sha256()).isEqualTo(Checkpoints.sha256(out));
    }

    @Test
    void aPretrainedTemplateWithoutWeightsSaysWhatToDo() throws Exception {
        Path data = SyntheticImages.colourFolders(dir.resolve("colours"), 4);
        Path out = dir.resolve("model.tlckpt");
        assertThatThrownBy(() -> run("Clarifai_ResNext", data, small(1), out, false, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pretrained_weights=None")
                .hasMessageContaining("--random-init");
        assertThat(out).doesNotExist();
    }

    @Test
    void aSingleClassDatasetIsRejectedAndNothingIsWritten() throws Exception {
        Path data = dir.resolve("one");
        for (int i = 0; i < 4; i++) {
            SyntheticImages.write(data.resolve("red").resolve(i + ".png"), Color.RED, true, i);
        }
        Path out = dir.resolve("model.tlckpt");
        assertThatThrownBy(() -> run("Clarifai_InceptionV2", data, small(1), out, false, false))
                .isInstanceOf(DatasetException.class).hasMessageContaining("only one class");
        assertThat(out).doesNotExist();
    }

    @Test
    void multiLabelManifestTrainsSigmoidOutputsAndReportsMeanAveragePrecision() throws Exception {
        Path data = dir.resolve("shapes");
        List<String> rows = new ArrayList<>(List.of("path,labels"));
        Color[] colours = {Color.RED, Color.BLUE};
        String[] names = {"red", "blue"};
        for (int i = 0; i < 48; i++) {
            int c = i % 2;
            boolean big = (i / 2) % 2 == 0;
            String file = "img" + i + ".png";
            SyntheticImages.write(data.resolve(file), colours[c], big, i);
            rows.add(file + "," + names[c] + (big ? ";big" : ""));
        }
        Files.write(data.resolve("labels.csv"), rows);
        Map<String, String> hp = small(3);
        hp.put("logreg", "1");
        TrainingJob.Result r = run("Clarifai_InceptionV2", data.resolve("labels.csv"), hp, dir.resolve("ml.tlckpt"), false, false);
        assertThat(r.data().dataset().multiLabel()).isTrue();
        assertThat(r.evaluation().mode()).isEqualTo(Evaluation.Mode.MULTI_LABEL);
        assertThat(r.evaluation().multiLabel().meanAveragePrecision()).isNotNull().isBetween(0.0, 1.0);
        // mAP is also measured after every epoch (what tuning's "map" objective reads), and kept in the checkpoint
        assertThat(r.outcome().history()).hasSize(3).allSatisfy(h -> assertThat(h.validationMap()).isBetween(0.0, 1.0));
        assertThat(Checkpoints.readMetadata(r.checkpoint()).metrics()).containsKey("validationMap");

        hp.put("logreg", "0");
        assertThatThrownBy(() -> run("Clarifai_InceptionV2", data.resolve("labels.csv"), hp, dir.resolve("x.tlckpt"), false, false))
                .hasMessageContaining("multi-label").hasMessageContaining("logreg=1");
    }
}
