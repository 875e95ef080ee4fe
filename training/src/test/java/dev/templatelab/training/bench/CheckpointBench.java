package dev.templatelab.training.bench;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.checkpoint.Versions;
import dev.templatelab.training.optim.Optimizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * How long writing one checkpoint takes, per template (published width, 224 px, 1000 classes, Adam state after
 * three training steps, as a trial's epoch checkpoint holds): DL4J's own {@code ModelSerializer.writeModel} (the
 * peer: the model zip alone, compressed at its fixed level), {@link Checkpoints#write} (model plus provenance, one
 * pass, stored) and {@link Checkpoints#copy} (how the fit loop's `best` file follows `last`). Medians of the rounds
 * in seconds, and file sizes. Run with {@code bench/checkpoint [ROUNDS] [TEMPLATE...]}; it writes to a temporary
 * folder under {@code java.io.tmpdir}.
 */
public final class CheckpointBench {

    private CheckpointBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean roundsGiven = args.length > 0 && args[0].matches("\\d+");
        int rounds = roundsGiven ? Integer.parseInt(args[0]) : 3;
        TemplateRegistry registry = TemplateRegistry.standard();
        List<String> names = args.length > (roundsGiven ? 1 : 0)
                ? Arrays.asList(args).subList(roundsGiven ? 1 : 0, args.length) : registry.names();
        List<String> unknown = names.stream().filter(n -> registry.find(n).isEmpty()).toList();
        if (rounds < 1 || !unknown.isEmpty()) {
            System.err.println("usage: bench/checkpoint [ROUNDS >= 1] [TEMPLATE...]; templates: "
                    + String.join(", ", registry.names()) + (unknown.isEmpty() ? "" : "; unknown: " + unknown));
            System.exit(2);
        }
        Nd4jRuntime.configure();
        Path dir = Files.createTempDirectory("templatelab-checkpoint-bench");
        System.out.printf(Locale.ROOT, "%-38s | %9s %9s | %9s %9s | %8s | %7s%n", "template (224 px, Adam state)",
                "DL4J MB", "ours MB", "DL4J s", "ours s", "copy s", "speedup");
        try {
            for (String name : names) {
                Template template = registry.get(name);
                TemplateSpec spec = new TemplateSpec(1000, 224, 224, 3, 1.0, 256, 16.0, HeadActivation.SOFTMAX);
                ComputationGraph net = Optimizers.withUpdater(template.build(spec), new Adam(1e-4)).newNetwork(1);
                Nd4jRuntime.prepare(net);
                Nd4j.getRandom().setSeed(1);
                // A real optimiser state: three steps, since after one the zero-initialised residual branches
                // still have none (their gradients are zero), which compresses far better than training's.
                for (int step = 0; step < 3; step++) {
                    net.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 2, 3, 224, 224),
                            Nd4j.eye(1000).getRows(step, step + 1).castTo(DataType.FLOAT)));
                }
                CheckpointMetadata meta = new CheckpointMetadata(CheckpointMetadata.FORMAT, name, spec, List.of(),
                        DataConfig.imagenet(224), Map.of(), Map.of(), "bench", 0L, 1L, 1, Versions.current(),
                        Instant.now().toString(), Map.of());
                Path dl4j = dir.resolve("dl4j.zip");
                Path ours = dir.resolve("ours.tlckpt");
                Path copy = dir.resolve("copy.tlckpt");
                double[] dl4jSeconds = new double[rounds];
                double[] oursSeconds = new double[rounds];
                double[] copySeconds = new double[rounds];
                String sha = null;
                for (int r = 0; r < rounds; r++) {   // taking turns, so drift hits both alike
                    long t0 = System.nanoTime();
                    ModelSerializer.writeModel(net, dl4j.toFile(), true);
                    long t1 = System.nanoTime();
                    sha = Checkpoints.write(ours, net, meta);
                    long t2 = System.nanoTime();
                    Checkpoints.copy(ours, sha, copy);
                    long t3 = System.nanoTime();
                    dl4jSeconds[r] = (t1 - t0) / 1e9;
                    oursSeconds[r] = (t2 - t1) / 1e9;
                    copySeconds[r] = (t3 - t2) / 1e9;
                }
                double a = median(dl4jSeconds);
                double b = median(oursSeconds);
                System.out.printf(Locale.ROOT, "%-38s | %9.1f %9.1f | %9.2f %9.2f | %8.2f | %6.1fx%n", name,
                        Files.size(dl4j) / 1e6, Files.size(ours) / 1e6, a, b, median(copySeconds), a / b);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
