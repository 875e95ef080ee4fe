package dev.templatelab.cli;

import dev.templatelab.training.data.ImageDataset;
import dev.templatelab.training.data.SampleDatasets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Writes the bundled sample dataset (real MNIST digits) as a folder of PNGs, one subfolder per class. */
@Command(name = "sample-data", mixinStandardHelpOptions = true,
        description = "Write the bundled sample dataset (MNIST digits, one folder per class) to a folder.")
final class SampleCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--out", required = true, description = "New or empty folder to write (an earlier copy of the "
            + "sample is reused, or completed if interrupted).")
    Path out;

    @Override
    public Integer call() {
        if (out.toString().isBlank()) {   // it would be the current folder
            throw new IllegalArgumentException("--out is empty; give the folder to write the sample into");
        }
        ImageDataset d = SampleDatasets.mnist(out);
        command.commandLine().getOut().printf("%s: %d images in %d classes %s%n", out.toAbsolutePath(),
                d.records().size(), d.classes().size(), d.classes());
        return 0;
    }
}
