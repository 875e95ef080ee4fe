package dev.templatelab.cli;

import static dev.templatelab.cli.CapturedOutput.run;
import static dev.templatelab.cli.CapturedOutput.succeeds;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.checkpoint.Versions;
import dev.templatelab.training.transfer.imports.Npy;
import dev.templatelab.training.transfer.imports.RawLogits;
import dev.templatelab.training.transfer.imports.SourceTensor;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code export} hands every template over to PyTorch: the {@code templatelab_torch.py} written beside the weights
 * rebuilds the network from the file alone, and computes what TemplateLab computes, on odd and non-square sizes,
 * narrow widths, a grey input, a multi-label cosine head: the logits of {@code infer} on the same tensor (max
 * |difference| below 1e-4 x the largest logit, same top-1) and the probabilities of {@code predict} on the same image
 * files (within 1e-3; same top class). Needs Python 3 with PyTorch, NumPy and Pillow, as {@code .ci/run} installs.
 */
class TorchExportCliTest {

    private static final TemplateRegistry TEMPLATES = TemplateRegistry.standard();

    @TempDir
    Path dir;

    @RegisterExtension
    final TemporaryUserHome home = new TemporaryUserHome(() -> dir);

    private record Case(String template, TemplateSpec spec) {
    }

    @Test
    void everyTemplateComputesInPyTorchWhatItComputesHere() throws Exception {
        TemplateSpec base = TemplateSpec.of(5, 64).withWidthMultiplier(0.25);
        List<Case> cases = List.of(
                new Case("MMClassification_ResNet_50_RSB_A1", new TemplateSpec(5, 64, 80, 3, 0.25, 256, 16, HeadActivation.SOFTMAX)),
                new Case("Clarifai_ResNext", base),
                new Case("Clarifai_InceptionBatchNorm", new TemplateSpec(5, 96, 96, 3, 0.25, 256, 16, HeadActivation.SOFTMAX)),
                new Case("Clarifai_InceptionV2", new TemplateSpec(5, 75, 83, 1, 0.25, 256, 16, HeadActivation.SOFTMAX)),
                new Case("Clarifai_InceptionTransferEmbedNorm",
                        new TemplateSpec(5, 96, 96, 3, 0.25, 32, 12.0, HeadActivation.SIGMOID)));
        List<String> labels = List.of("ant", "bee", "cat", "dog", "eel");
        List<Path> images = images();
        Random random = new Random(11);

        List<Map<String, Object>> jobs = new ArrayList<>();
        List<Path> javaLogits = new ArrayList<>();
        List<JsonNode> javaPredictions = new ArrayList<>();
        for (Case c : cases) {
            Template template = TEMPLATES.get(c.template());
            Path folder = Files.createDirectories(dir.resolve(c.template()));
            Path checkpoint = folder.resolve("model.tlckpt");
            ComputationGraph net = template.build(c.spec()).newNetwork(random.nextLong());
            randomiseBatchNorms(net, random);
            CheckpointMetadata metadata = new CheckpointMetadata(CheckpointMetadata.FORMAT, c.template(), c.spec(),
                    labels, template.defaults().data(), Map.of(), Map.of(), "none", 0, 0, 0, Versions.current(),
                    "2026-12-03T00:00:00Z", Map.of());
            moderateLogits(net, metadata, random);
            Checkpoints.write(checkpoint, net, metadata);
            Path weights = folder.resolve("export/model.safetensors");

            String exported = succeeds("export", "--checkpoint", checkpoint.toString(), "--out", weights.toString());
            assertThat(exported).contains("wrote " + weights.toAbsolutePath()).contains(c.template() + " for PyTorch")
                    .contains("templatelab_torch.py");

            long[] shape = {2, c.spec().channels(), c.spec().height(), c.spec().width()};
            float[] x = new float[(int) (shape[0] * shape[1] * shape[2] * shape[3])];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            Path input = folder.resolve("x.npy");
            Files.write(input, Npy.write(shape, x));
            Path logits = folder.resolve("y-templatelab.npy");
            succeeds("infer", "--checkpoint", checkpoint.toString(), "--input", input.toString(), "--output",
                    logits.toString());
            javaLogits.add(logits);
            List<String> predictArgs = new ArrayList<>(List.of("predict", "--checkpoint", checkpoint.toString(),
                    "--top", "5", "--json"));
            images.forEach(i -> predictArgs.add(i.toString()));
            javaPredictions.add(new ObjectMapper().readTree(succeeds(predictArgs.toArray(String[]::new))));

            Map<String, Object> job = new LinkedHashMap<>();
            job.put("weights", weights.toString());
            job.put("input", input.toString());
            job.put("output", folder.resolve("y-torch.npy").toString());
            job.put("images", images.stream().map(Path::toString).toList());
            job.put("top", 5);
            jobs.add(job);
        }

        Path jobsFile = dir.resolve("jobs.json");
        Path resultsFile = dir.resolve("results.json");
        new ObjectMapper().writeValue(jobsFile.toFile(), jobs);
        Path script = dir.resolve("run_exported.py");
        try (InputStream in = TorchExportCliTest.class.getResourceAsStream("run_exported.py")) {
            Files.copy(in, script);
        }
        TorchScript.runScript(script, jobsFile.toString(), resultsFile.toString());
        JsonNode torchPredictions = new ObjectMapper().readTree(resultsFile.toFile());

        for (int k = 0; k < cases.size(); k++) {
            String template = cases.get(k).template();
            SourceTensor ours = read(javaLogits.get(k));
            SourceTensor theirs = read(Path.of((String) jobs.get(k).get("output")));
            assertThat(theirs.shape()).as(template).containsExactly(ours.shape());
            float largest = 0;
            float worst = 0;
            for (int i = 0; i < ours.values().length; i++) {
                largest = Math.max(largest, Math.abs(ours.values()[i]));
                worst = Math.max(worst, Math.abs(ours.values()[i] - theirs.values()[i]));
            }
            assertThat(largest).as(template + ": logits not all zero").isGreaterThan(0);
            System.out.printf("%s: max |logit difference| %.2e of the largest logit %.3g%n", template, worst / largest,
                    largest);
            assertThat(worst).as(template + ": max |logit difference|, largest logit %s", largest)
                    .isLessThan(1e-4f * largest);
            for (int row = 0; row < 2; row++) {
                assertThat(argmax(theirs, row)).as(template + " top-1 of image " + row).isEqualTo(argmax(ours, row));
            }

            JsonNode torch = torchPredictions.get(k);
            assertThat(torch.get("template").asText()).isEqualTo(template);
            assertThat(torch.get("labels")).extracting(JsonNode::asText).containsExactlyElementsOf(labels);
            JsonNode java = javaPredictions.get(k);
            for (int i = 0; i < images.size(); i++) {
                Map<String, Double> expected = probabilities(java.get(i).get("predictions"));
                Map<String, Double> actual = probabilities(torch.get("predictions").get(i));
                assertThat(actual.keySet()).as(template + " " + images.get(i)).containsExactlyInAnyOrderElementsOf(labels);
                double probabilityDifference = 0;
                for (String label : labels) {
                    probabilityDifference = Math.max(probabilityDifference, Math.abs(actual.get(label) - expected.get(label)));
                    assertThat(actual.get(label)).as(template + " " + images.get(i).getFileName() + " p(" + label + ")")
                            .isCloseTo(expected.get(label), org.assertj.core.data.Offset.offset(1e-3));
                }
                System.out.printf("%s %s: max |probability difference| %.2e%n", template, images.get(i).getFileName(),
                        probabilityDifference);
                assertThat(java.get(i).get("predictions").get(0).get("label").asText())
                        .as(template + " top class of " + images.get(i).getFileName())
                        .isEqualTo(torch.get("predictions").get(i).get(0).get("label").asText());
            }
        }
    }

    @Test
    void badRequestsAreOneLineErrorsThatWriteNothing() throws Exception {
        Path foreign = Files.writeString(dir.resolve("templatelab_torch.py"), "# my own script\n");
        var refused = run("export", "--checkpoint", dir.resolve("missing.tlckpt").toString(), "--out",
                dir.resolve("m.safetensors").toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("is not TemplateLab's module");
        assertThat(Files.readString(foreign)).isEqualTo("# my own script\n");

        var noCheckpoint = run("export", "--checkpoint", dir.resolve("missing.tlckpt").toString(), "--out",
                dir.resolve("sub/m.safetensors").toString());
        assertThat(noCheckpoint.code()).isEqualTo(2);
        assertThat(noCheckpoint.err()).startsWith("error: no checkpoint at");

        var wrongName = run("export", "--checkpoint", dir.resolve("missing.tlckpt").toString(), "--out",
                dir.resolve("sub/m.pt").toString());
        assertThat(wrongName.err()).contains("does not end in .safetensors");

        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/m.safetensors"), "earlier");
        var exists = run("export", "--checkpoint", dir.resolve("missing.tlckpt").toString(), "--out",
                dir.resolve("sub/m.safetensors").toString());
        assertThat(exists.err()).contains("exists; give --overwrite");
        assertThat(Files.readString(dir.resolve("sub/m.safetensors"))).isEqualTo("earlier");
        assertThat(dir.resolve("sub/templatelab_torch.py")).doesNotExist();
    }

    /** Batch norms with statistics and affine terms far from the identity, so a mistake in their mapping shows. */
    private static void randomiseBatchNorms(ComputationGraph net, Random random) {
        for (Layer layer : net.getLayers()) {
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                INDArray v = p.getValue();
                switch (p.getKey()) {
                    case "mean", "beta" -> v.assign(Nd4j.randn(v.dataType(), v.shape()).muli(0.2));
                    case "var", "gamma" -> v.assign(Nd4j.rand(v.dataType(), v.shape()).addi(0.5));
                    default -> { }
                }
            }
        }
    }

    /**
     * Scales a softmax classifier so the logits of an input are a few units: random batch norms make them thousands,
     * and a one-hot softmax would hide any difference in the probabilities (and so in the images' preprocessing).
     */
    private static void moderateLogits(ComputationGraph net, CheckpointMetadata metadata, Random random) {
        if (metadata.spec().head() != HeadActivation.SOFTMAX) {
            return;   // the cosine head's logits are bounded by its scale
        }
        TemplateSpec spec = metadata.spec();
        Nd4j.getRandom().setSeed(random.nextLong());
        // Pixels spread as an image's (+-64 on the 0-255 scale), normalised as the template does: BN-Inception's
        // std of 1 leaves its inputs 50 times larger than the ImageNet-normalised ones of the ResNets.
        INDArray x = Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, spec.channels(), spec.height(), spec.width())
                .muli(64 / metadata.data().std()[0]);
        double largest = RawLogits.compute(net, metadata, x).amaxNumber().doubleValue();
        Layer classifier = net.getLayer(TemplateGraph.OUTPUT);
        classifier.getParam("W").muli(3 / largest);
        classifier.getParam("b").muli(3 / largest);
    }

    /** Three image files as users have them: colour of another aspect ratio, grey, a palette GIF. */
    private List<Path> images() throws Exception {
        Random random = new Random(5);
        BufferedImage colour = new BufferedImage(150, 90, BufferedImage.TYPE_INT_RGB);
        BufferedImage grey = new BufferedImage(40, 56, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage palette = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_INDEXED);
        for (BufferedImage image : List.of(colour, grey, palette)) {
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int smooth = (x * 255 / image.getWidth()) << 16 | (y * 255 / image.getHeight()) << 8;
                    image.setRGB(x, y, smooth | random.nextInt(256));
                }
            }
        }
        Path colourFile = dir.resolve("colour.jpg");
        Path greyFile = dir.resolve("grey.png");
        Path paletteFile = dir.resolve("palette.gif");
        ImageIO.write(colour, "jpg", colourFile.toFile());
        ImageIO.write(grey, "png", greyFile.toFile());
        ImageIO.write(palette, "gif", paletteFile.toFile());
        return List.of(colourFile, greyFile, paletteFile);
    }

    private static Map<String, Double> probabilities(JsonNode ranked) {
        Map<String, Double> p = new LinkedHashMap<>();
        ranked.forEach(r -> p.put(r.get("label").asText(), r.get("probability").asDouble()));
        return p;
    }

    private static SourceTensor read(Path npy) throws Exception {
        try (InputStream in = Files.newInputStream(npy)) {
            return Npy.read(in, npy.getFileName().toString(), npy.toString());
        }
    }

    private static int argmax(SourceTensor logits, int row) {
        int classes = (int) logits.shape()[1];
        return IntStream.range(0, classes).reduce((a, b) ->
                logits.values()[row * classes + b] > logits.values()[row * classes + a] ? b : a).orElseThrow();
    }
}
