package dev.templatelab.cli;

import dev.templatelab.training.TempFiles;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.transfer.imports.Npy;
import dev.templatelab.training.transfer.imports.RawLogits;
import dev.templatelab.training.transfer.imports.SourceTensor;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Raw network outputs for a preprocessed tensor: for parity checks against other frameworks and for integration. */
@Command(name = "infer", mixinStandardHelpOptions = true,
        description = "Run a checkpoint on a preprocessed NCHW float tensor (.npy) and write the raw logits (.npy).")
final class InferCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--checkpoint", required = true, description = "Checkpoint written by 'train' or 'weights import'.")
    Path checkpoint;

    @Option(names = "--input", required = true, description = "Float .npy of shape [batch, channels, height, width], "
            + "already preprocessed (channel order, mean/std) the way the weights expect.")
    Path input;

    @Option(names = "--output", required = true, description = ".npy to write: float32 [batch, classes], "
            + "pre-activation logits (before softmax/sigmoid).")
    Path output;

    @Override
    public Integer call() throws Exception {
        OutputFile.requireWritable("--output", output, "the .npy file");   // before the network runs
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("no input file at " + input);
        }
        SourceTensor tensor;
        try (InputStream in = Files.newInputStream(input)) {
            tensor = Npy.read(in, "input", input.toString());
        }
        if (tensor.shape().length != 4) {
            throw new IllegalArgumentException(input + " has shape " + tensor.shapeText()
                    + "; expected 4 dimensions [batch, channels, height, width] (NCHW)");
        }
        Checkpoints.Loaded loaded = Checkpoints.read(checkpoint, false);
        INDArray logits = RawLogits.compute(loaded, Nd4j.create(tensor.values(), tensor.shape(), 'c'));
        Path dir = output.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = TempFiles.nextTo(output);   // readable as any file the user writes, not owner-only
        try {
            Files.write(tmp, Npy.write(logits.shape(), logits.dup('c').data().asFloat()));
            Files.move(tmp, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        var labels = loaded.metadata().labels();
        var out = command.commandLine().getOut();
        out.printf("%s: logits %s for input %s%n", output, Arrays.toString(logits.shape()), tensor.shapeText());
        var top1 = RawLogits.top1(logits);
        for (int i = 0; i < top1.size(); i++) {
            out.printf("  image %d: top-1 %s (logit %.4f)%n", i, labels.get(top1.get(i)), logits.getDouble(i, top1.get(i)));
        }
        return 0;
    }
}
