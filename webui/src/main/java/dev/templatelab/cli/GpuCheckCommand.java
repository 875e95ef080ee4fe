package dev.templatelab.cli;

import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.training.bench.Throughput;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The first thing to run on a GPU machine: which backend and device ND4J picked, and whether a template
 * actually trains there (a few SGD steps on synthetic data) at what speed.
 */
@Command(name = "gpu-check", mixinStandardHelpOptions = true,
        description = "Show the ND4J backend, GPU and memory in use, then train a template for a few steps and print images/s.")
final class GpuCheckCommand implements Callable<Integer> {

    /** Exit status when the build or the machine has no GPU backend (distinct from bad options, 2). */
    static final int NO_GPU = 3;

    @Spec
    CommandSpec command;

    @Option(names = "--template", defaultValue = "MMClassification_ResNet_50_RSB_A1",
            description = "Template to train (default: ${DEFAULT-VALUE}).")
    String template;

    @Option(names = "--size", defaultValue = "224", description = "Square input size (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "10", description = "Timed training steps; the median counts (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--width-multiplier", defaultValue = "1.0", description = "Channel multiplier (default: ${DEFAULT-VALUE}).")
    double widthMultiplier;

    @Option(names = "--allow-cpu", description = "Run the check on the CPU backend instead of failing (for testing the command).")
    boolean allowCpu;

    @Override
    public Integer call() {
        var out = command.commandLine().getOut();
        var err = command.commandLine().getErr();
        if (steps < 1 || batch < 1 || size < 16) {
            err.println("error: --steps and --batch must be >= 1 and --size >= 16");
            return 2;
        }
        Template t = TemplateRegistry.standard().get(template);
        out.println("backend  " + Nd4jRuntime.summaryLine());
        if (!Nd4jRuntime.onGpu() && !allowCpu) {
            err.println("error: ND4J is running on the CPU backend, so there is no GPU to check. Build the CUDA "
                    + "variant (./mvnw -Pcuda -DskipTests package, or the image docker/Dockerfile.cuda) and run it on a "
                    + "machine with an NVIDIA driver for CUDA 11.6+; add --allow-cpu to run this check on the CPU anyway.");
            return NO_GPU;
        }
        TemplateSpec spec = new TemplateSpec(1000, size, size, 3, widthMultiplier,
                TemplateSpec.DEFAULT_EMBEDDING_SIZE, TemplateSpec.DEFAULT_COSINE_SCALE, HeadActivation.SOFTMAX);
        Throughput.Result r = Throughput.measure(t, spec, batch, 2, steps, false,
                i -> err.printf("\r  step %d/%d", i, steps));
        err.println();
        out.printf("template %s  %dx%d  batch %d%n", r.template(), size, size, batch);
        out.printf("train    %.2f img/s  (%.1f GFLOP/s)%n", r.trainImagesPerSecond(), r.trainGflops());
        out.printf("infer    %.2f img/s  (%.1f GFLOP/s)%n", r.inferImagesPerSecond(), r.inferGflops());
        out.println("ok: the template trains on this backend");
        return 0;
    }
}
