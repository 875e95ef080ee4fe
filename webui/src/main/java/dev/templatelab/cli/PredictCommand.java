package dev.templatelab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.architectures.inference.InferenceNetwork;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.data.ImageFiles;
import dev.templatelab.training.eval.FlipAveraging;
import dev.templatelab.training.pipeline.Augmentation;
import dev.templatelab.training.pipeline.ImageDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Classifies images with a checkpoint. */
@Command(name = "predict", mixinStandardHelpOptions = true, description = "Classify images with a checkpoint.")
final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--checkpoint", required = true, description = "Checkpoint written by 'train'.")
    Path checkpoint;

    @Option(names = "--top", defaultValue = "3", description = "Classes to show per image (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--flips", description = "Average each image with its mirror.")
    boolean flips;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files: " + ImageFiles.FORMAT_NAMES + ".")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        for (Path image : images) {
            if (!Files.isRegularFile(image)) {
                throw new IllegalArgumentException("no image file at " + image);
            }
        }
        Checkpoints.Loaded loaded = Checkpoints.read(checkpoint, false);
        CheckpointMetadata m = loaded.metadata();
        ComputationGraph net = InferenceNetwork.of(loaded.network());
        List<Map<String, Object>> results = new ArrayList<>();
        ImageDecoder decoder = ImageDecoder.of(m.spec(), m.data());
        int unreadable = 0;
        for (Path image : images) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("image", image.toString());
            float[] pixels = new float[decoder.valuesPerImage()];
            try {
                decoder.decodeInto(image, Augmentation.none(), 0L, pixels, 0);
            } catch (IOException | RuntimeException e) {
                // One file that is not a readable image costs its own line, not the others' results.
                r.put("error", "cannot read " + image + " as an image (" + ImageFiles.FORMAT_NAMES + "): "
                        + e.getMessage());
                results.add(r);
                unreadable++;
                continue;
            }
            // Outside the try: a failure of the native backend is not the image's fault.
            INDArray x = Nd4j.create(pixels, new long[] {1, decoder.channels(), decoder.height(), decoder.width()},
                    DataType.FLOAT);
            INDArray p = net.outputSingle(false, x);
            if (flips) {
                p = FlipAveraging.average(p, net.outputSingle(false, ImageDecoder.flipHorizontal(x)));
            }
            INDArray probs = p;
            List<Map<String, Object>> ranked = IntStream.range(0, m.labels().size()).boxed()
                    .sorted(Comparator.comparingDouble(i -> -probs.getDouble(0, i)))
                    .limit(top)
                    .map(i -> Map.<String, Object>of("label", m.labels().get(i), "probability", probs.getDouble(0, i)))
                    .toList();
            r.put("predictions", ranked);
            results.add(r);
        }
        var out = command.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(results));
        } else {
            for (Map<String, Object> r : results) {
                out.println(r.get("image"));
                if (r.containsKey("error")) {
                    out.println("  error: " + r.get("error"));
                    continue;
                }
                for (Object o : (List<?>) r.get("predictions")) {
                    Map<?, ?> pr = (Map<?, ?>) o;
                    out.printf("  %-24s %.4f%n", pr.get("label"), (Double) pr.get("probability"));
                }
            }
        }
        if (unreadable > 0) {
            command.commandLine().getErr().println(unreadable == images.size()
                    ? "error: none of the " + images.size() + " file(s) could be read as images; see above why"
                    : "error: " + unreadable + " of " + images.size()
                    + " file(s) could not be read as images; the others' predictions are above");
            return 1;
        }
        return 0;
    }
}
