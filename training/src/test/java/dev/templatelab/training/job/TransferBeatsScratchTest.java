package dev.templatelab.training.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.training.Evaluations;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.TrainingJob;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.data.DatasetImporter;
import dev.templatelab.training.data.ImageDataset;
import dev.templatelab.training.data.ImportLimits;
import dev.templatelab.training.data.SampleDatasets;
import dev.templatelab.training.pipeline.ImageBatchIterator;
import dev.templatelab.training.fit.CancellationToken;
import dev.templatelab.training.transfer.WeightsRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The point of pretrained backbones, shown on the bundled digits: pretrain on digits 0-4, transfer to
 * digits 5-9 with 50 images per class; the transferred network beats the same network trained from
 * scratch with the same budget (epochs, learning rate, data). Both are judged on 500 held-out images of
 * digits 5-9 (not the 10 validation images per class of the small split, where one image is 2 %).
 *
 * <p>All runs use precise batch-norm statistics. Without them the scratch network, 39 steps old, was evaluated
 * with running averages that lagged its weights and scored chance (held-out 0.200; 0.486 with precise BN, the
 * earlier constant-rate settings): transfer "won" against a broken evaluation. Now, with precise BN, cosine decay
 * and the exact cosine-head gradient (seed 42): transfer 0.712, scratch 0.558.
 */
class TransferBeatsScratchTest {

    private static final String TEMPLATE = "Clarifai_InceptionTransferEmbedNorm";
    /**
     * The source model must be good enough to be worth transferring: with 120 images per class and 4 epochs, once
     * the cosine head's gradient was exact (it had been doubled by a DL4J SameDiffLayer bug, see
     * CosineClassifierLayer), transfer scored 0.446 against scratch 0.558 (seed 42).
     */
    private static final int SOURCE_PER_CLASS = 200;
    private static final int SOURCE_EPOCHS = 6;

    @TempDir
    Path dir;

    @Test
    void pretrainedBackboneBeatsRandomInitOnASmallTargetTask() throws Exception {
        Path digits = dir.resolve("digits");
        SampleDatasets.mnist(digits);
        Path source = subset(digits, dir.resolve("source"), List.of("0", "1", "2", "3", "4"), 0, SOURCE_PER_CLASS);
        Path target = subset(digits, dir.resolve("target"), List.of("5", "6", "7", "8", "9"), 0, 50);
        Path heldOut = subset(digits, dir.resolve("held-out"), List.of("5", "6", "7", "8", "9"), 50, 100);
        TemplateLabHome home = new TemplateLabHome(dir.resolve("home"));

        Map<String, String> pretrain = settings(SOURCE_EPOCHS);
        pretrain.put("base_gradient_multiplier", "1");
        Path pretrained = dir.resolve("source.tlckpt");
        run(source, pretrain, pretrained, home);
        new WeightsRegistry(home.weights()).register(TEMPLATE, "digits-0-4", pretrained);
        // The evaluation itself (precise batch-norm statistics included) works: the source model reads held-out
        // digits 0-4 well.
        double sourceAccuracy = accuracy(pretrained, subset(digits, dir.resolve("source-held-out"), List.of("0", "1", "2", "3",
                "4"), SOURCE_PER_CLASS, 100));
        assertThat(sourceAccuracy).as("source model's held-out accuracy on digits 0-4").isGreaterThan(0.8);

        Map<String, String> transfer = settings(3);
        transfer.put("pretrained_weights", "digits-0-4");
        transfer.put("base_gradient_multiplier", "1");
        run(target, transfer, dir.resolve("transfer.tlckpt"), home);
        double transferred = accuracy(dir.resolve("transfer.tlckpt"), heldOut);

        Map<String, String> scratch = settings(3);
        scratch.put("base_gradient_multiplier", "1");
        run(target, scratch, dir.resolve("scratch.tlckpt"), home);
        double fromScratch = accuracy(dir.resolve("scratch.tlckpt"), heldOut);

        System.out.printf("held-out accuracy: source on digits 0-4 %.3f; on 500 digits 5-9 transfer %.3f, scratch %.3f%n",
                sourceAccuracy, transferred, fromScratch);
        // Chance is 0.2: a scratch run at chance means its evaluation broke (batch-norm statistics lagging a young
        // network once scored exactly that), not a fair comparison. The 3-epoch scratch run on 250 images swings
        // with float rounding: 0.558 on DL4J's helpers, 0.298, 0.268 after other tests in the same JVM, 0.484; so
        // this only asks for 13 images above chance (1.5 standard deviations of a chance score on 500 images), and
        // the source model's score above shows the evaluation works.
        assertThat(fromScratch).as("scratch held-out accuracy").isGreaterThan(0.226);
        // 0.05 of 500 images is 25 images: well beyond seed-to-seed noise of either run.
        assertThat(transferred).as("held-out accuracy: transfer %.3f vs scratch %.3f", transferred, fromScratch)
                .isGreaterThan(fromScratch + 0.05);
    }

    private static Map<String, String> settings(int epochs) {
        Map<String, String> hp = new LinkedHashMap<>();
        hp.put("image_size", "32");
        hp.put("width_multiplier", "0.25");
        hp.put("batch_size", "16");
        hp.put("num_epochs", String.valueOf(epochs));
        hp.put("lrate", "0.05");
        hp.put("logreg", "0");
        hp.put("validation_fraction", "0.2");
        // The embed-norm recipe's constant rate would end every run at full speed; digits are not mirror images.
        hp.put("lr_schedule", "cosine");
        hp.put("warmup_iters", "10");
        hp.put("average_horizontal_flips", "false");
        hp.put("precise_bn_batches", "20");
        return hp;
    }

    private static TrainingJob.Result run(Path data, Map<String, String> hp, Path out, TemplateLabHome home) throws Exception {
        return TrainingJob.run(new TrainingJob.Request(TEMPLATE, data, hp, out, true, false, home),
                new PrintWriter(new StringWriter()), List.of(), new CancellationToken());
    }

    /** Accuracy of a checkpoint on every image of a class-folder dataset. */
    private static double accuracy(Path checkpoint, Path data) throws Exception {
        Checkpoints.Loaded loaded = Checkpoints.read(checkpoint, false);
        CheckpointMetadata m = loaded.metadata();
        ImageDataset dataset = DatasetImporter.importFrom(data, data.resolveSibling(data.getFileName() + "-work"),
                ImportLimits.defaults()).dataset();
        try (ImageBatchIterator it = ImageBatchIterator.forEvaluation(dataset.records(), m.labels(), m.spec(), m.data(),
                32, false)) {
            return Evaluations.evaluate(loaded.network(), it, m.labels(), false, false).accuracy();
        }
    }

    /** Images {@code skip} .. {@code skip + perClass - 1} of each listed digit, copied into a new class-folder dataset. */
    private static Path subset(Path digits, Path to, List<String> classes, int skip, int perClass) throws IOException {
        for (String c : classes) {
            Files.createDirectories(to.resolve(c));
            try (Stream<Path> files = Files.list(digits.resolve(c))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".png")).sorted().skip(skip).limit(perClass).toList()) {
                    Files.copy(f, to.resolve(c).resolve(f.getFileName()));
                }
            }
        }
        return to;
    }
}
