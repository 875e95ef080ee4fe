package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.training.checkpoint.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transfer from imported weights through the normal command line: torchvision's ResNet-50 state dict (random
 * weights, written by PyTorch) is imported with {@code weights import}, then {@code train --set
 * pretrained_weights=NAME} fine-tunes its backbone with a new 10-class head on the bundled digits, and
 * {@code evaluate} scores the result. One epoch on 100 images at 32 px: the full ResNet-50 is slow on CPU.
 */
class ImportedBackboneTransferCliTest {

    private static final String RESNET = "MMClassification_ResNet_50_RSB_A1";

    @TempDir
    Path dir;

    @RegisterExtension
    final TemporaryUserHome home = new TemporaryUserHome(() -> dir);   // the weights registry inside dir

    private static String ok(String... args) {
        long start = System.nanoTime();
        String out = CapturedOutput.succeeds(args);
        System.out.printf("%s %s: %.1f s%n", args[0], args[1], (System.nanoTime() - start) / 1e9);
        return out;
    }

    @Test
    void importedResNet50FineTunesOnTheDigits() throws Exception {
        Path torch = dir.resolve("torch");
        TorchScript.run("--model", "resnet50", "--weights-only", "--out", torch.toString());
        ok("weights", "import", "--template", RESNET, "--file", torch.resolve("weights.safetensors").toString(),
                "--name", "torchvision-random", "--out", dir.resolve("imported.tlckpt").toString());

        // 10 digits per class from the bundled sample: ResNet-50 is the full published network, so keep it small.
        Path all = dir.resolve("digits");
        ok("sample-data", "--out", all.toString());
        Path subset = dir.resolve("subset");
        for (int digit = 0; digit < 10; digit++) {
            Files.createDirectories(subset.resolve(Integer.toString(digit)));
            try (Stream<Path> files = Files.list(all.resolve(Integer.toString(digit)))) {
                for (Path f : files.sorted().limit(10).toList()) {
                    Files.copy(f, subset.resolve(Integer.toString(digit)).resolve(f.getFileName()));
                }
            }
        }

        Path model = dir.resolve("digits.tlckpt");
        String train = ok("train", "--template", RESNET, "--data", subset.toString(), "--out", model.toString(),
                "--set", "pretrained_weights=torchvision-random", "--set", "image_size=32", "--set", "batch_size=16",
                "--set", "updater=sgd", "--set", "momentum=0.9", "--set", "lr_schedule=constant",
                "--set", "num_epochs=1", "--set", "lrate=0.01", "--set", "warmup_iters=0", "--set", "logreg=0",
                "--set", "mixup_alpha=0", "--set", "cutmix_alpha=0", "--set", "randaugment_ops=0",
                "--set", "random_resized_crop=0", "--set", "validation_fraction=0.2");
        // Every backbone value comes from the import: ResNet-50's 25,557,032 parameters less its 2048x1000 classifier,
        // plus the 53,120 batch-norm running means and variances.
        assertThat(train).contains("backbone: 23,561,152 values from pretrained weights 'torchvision-random'");

        var meta = Checkpoints.readMetadata(model);
        assertThat(meta.labels()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        JsonNode pretrained = new ObjectMapper().valueToTree(meta.extra().get("pretrainedWeights"));
        assertThat(pretrained.get("name").asText()).isEqualTo("torchvision-random");
        assertThat(pretrained.get("sha256").asText())
                .isEqualTo(Checkpoints.sha256(dir.resolve(".templatelab/weights").resolve(RESNET).resolve("torchvision-random.tlckpt")));

        JsonNode eval = new ObjectMapper().readTree(ok("evaluate", "--checkpoint", model.toString(), "--data",
                subset.toString(), "--json"));
        assertThat(eval.get("count").asInt()).isEqualTo(100);
        assertThat(eval.get("perClass")).hasSize(10);
        // No accuracy bar: the imported weights are random (nothing can be downloaded here), so this shows the
        // plumbing (import -> registry -> backbone copy -> fine-tune -> evaluate), not what ImageNet weights buy.
        System.out.println("fine-tuned imported ResNet-50 on 100 digits: accuracy " + eval.get("accuracy").asDouble());
        assertThat(eval.get("accuracy").asDouble()).isBetween(0.0, 1.0);
    }
}
