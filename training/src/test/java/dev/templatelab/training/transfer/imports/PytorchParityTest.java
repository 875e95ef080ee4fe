package dev.templatelab.training.transfer.imports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.checkpoint.Checkpoints;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The DL4J templates compute what the published PyTorch networks compute: random weights and a fixed batch
 * are generated in PyTorch ({@code bench/parity/torch_reference.py}), imported through the importer and a
 * checkpoint, and the eval-mode logits compared at 224 px and at a small size where Caffe's ceil-mode pools
 * and TF's SAME padding need their extra bottom/right row: max |difference| below 1e-3 x the largest logit
 * magnitude, and the same top-1 class on every image. The small size is 75 px (odd, so every stride-2 layer
 * rounds), except for BN-Inception: the Caffe network itself cannot run at 75 px (its grid-reduction modules
 * concatenate a floor-mode stride-2 convolution with a ceil-mode pool, which disagree on odd sizes, in
 * PyTorch as in TemplateLab), so it is checked at 96 px.
 */
class PytorchParityTest {

    @TempDir
    Path dir;

    @Test
    void resnet50FromTorchvisionSafetensors() throws Exception {
        parity("resnet50", "MMClassification_ResNet_50_RSB_A1", "safetensors", "float32", 75, false);
    }

    @Test
    void resnext50FromTorchvisionNpz() throws Exception {
        parity("resnext50_32x4d", "Clarifai_ResNext", "npz", "float32", 75, true);
    }

    @Test
    void bnInceptionFromCadeneNamesInFloat16Safetensors() throws Exception {
        parity("bninception", "Clarifai_InceptionBatchNorm", "safetensors", "float16", 96, false);
    }

    @Test
    void inceptionV2FromTfSlimNamesNpz() throws Exception {
        parity("inception_v2", "Clarifai_InceptionV2", "npz", "float32", 75, false);
    }

    private void parity(String model, String templateName, String format, String dtype, int smallSize,
                        boolean throughCheckpoint) throws Exception {
        long t0 = System.nanoTime();
        Path out = dir.resolve(model);
        TorchReference.run("--model", model, "--sizes", "224," + smallSize, "--batch", "2", "--format", format,
                "--dtype", dtype, "--out", out.toString());
        long tTorch = System.nanoTime();
        Path weights = out.resolve("weights." + format);
        Template template = TemplateRegistry.standard().get(templateName);
        WeightsFormat f = WeightsFormat.of(format, weights);
        WeightsImporter.Imported imported = WeightsImporter.importInto(template, f.read(weights), 224, null,
                weights.toString());
        assertThat(imported.headImported()).isTrue();
        assertThat(imported.labels()).hasSize(1000);
        long t1 = System.nanoTime();
        // One network goes through a written and re-read checkpoint (the 'weights import' + 'infer' path); the
        // others are compared in memory, which keeps the test's time down (a checkpoint of ResNet-50 is 100 MB).
        Checkpoints.Loaded loaded;
        if (throughCheckpoint) {
            Path ckpt = dir.resolve(model + ".tlckpt");
            WeightsImporter.writeCheckpoint(imported, template, weights, f, ckpt);
            loaded = Checkpoints.read(ckpt, false);
        } else {
            loaded = new Checkpoints.Loaded(imported.network(), WeightsImporter.metadata(imported, template, weights, f), "");
        }
        long t2 = System.nanoTime();
        System.out.printf(Locale.ROOT, "parity %-16s PyTorch %.1f s, import %.1f s, checkpoint write+read %.1f s%n",
                model, (tTorch - t0) / 1e9, (t1 - tTorch) / 1e9, (t2 - t1) / 1e9);

        for (int size : new int[] {224, smallSize}) {
            long t3 = System.nanoTime();
            INDArray input = npy(out.resolve("input_" + size + ".npy"));
            INDArray expected = npy(out.resolve("logits_" + size + ".npy"));
            INDArray actual = RawLogits.compute(loaded, input);
            double maxDiff = Transforms.abs(actual.sub(expected)).maxNumber().doubleValue();
            double scale = Transforms.abs(expected).maxNumber().doubleValue();
            System.out.printf(Locale.ROOT, "parity %-16s %3d px: max |logit| %.4g, max |diff| %.3g (%.2e of max), %.1f s%n",
                    model, size, scale, maxDiff, maxDiff / scale, (System.nanoTime() - t3) / 1e9);
            assertThat(scale).as("reference logits of %s at %d px are not degenerate", model, size).isGreaterThan(1e-3);
            assertThat(maxDiff).as("%s at %d px: max |DL4J - PyTorch| vs 1e-3 x max |logit| = %s", model, size, 1e-3 * scale)
                    .isLessThan(1e-3 * scale);
            assertThat(RawLogits.top1(actual)).as("%s top-1 at %d px", model, size).isEqualTo(RawLogits.top1(expected));
        }
    }

    static INDArray npy(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            SourceTensor t = Npy.read(in, file.getFileName().toString(), file.toString());
            return Nd4j.create(t.values(), t.shape(), 'c');
        }
    }
}
