package dev.templatelab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.bench.Throughput;
import dev.templatelab.training.hyper.HyperparameterSchema;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Measures one template's training and inference speed on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training and inference images/s of a template on this machine (synthetic data).")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--template", required = true, description = "Template name (see 'templates').")
    String template;

    @Option(names = "--size", defaultValue = "224", description = "Square input size (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--batch", defaultValue = "8", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--classes", defaultValue = "1000", description = "Number of classes (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--width-multiplier", defaultValue = "1.0", description = "Channel multiplier (default: ${DEFAULT-VALUE}).")
    double widthMultiplier;

    // Ten, not two: the JVM keeps compiling DL4J's Java side for about eight training steps (and on two cores its
    // compiler threads take time from the native ones), so steps 3-7 ran 10-15 % slower than later ones.
    @Option(names = "--warmup", defaultValue = "10", description = "Untimed iterations first, until the JIT has "
            + "compiled the step (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iterations", defaultValue = "5", description = "Timed iterations; the median counts (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--pipeline", description = "Also measure the input pipeline (decode + this template's training "
            + "augmentation from photo-sized JPEGs) on 1 thread and on all cores, against the training rate.")
    boolean pipeline;

    @Option(names = "--precision", defaultValue = "float32", description = "Arithmetic of the training step's "
            + "convolutions: float32 or bfloat16 (bfloat16 multiplications, float32 sums; CPUs with AVX-512 BF16); "
            + "inference stays float32, as predict runs it (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--pipeline-seconds", defaultValue = "5", description = "Seconds per pipeline measurement (default: ${DEFAULT-VALUE}).")
    double pipelineSeconds;

    /** Square GEMM size for the peak measurement: large enough that BLAS runs at its best. */
    private static final int GEMM_SIZE = 2048;

    @Override
    public Integer call() throws Exception {
        if (classes < 1) {   // the spec would say "numClasses", which is no option of this command
            throw new IllegalArgumentException("--classes must be at least 1, got " + classes);
        }
        Template t = TemplateRegistry.standard().get(template);
        TemplateSpec spec = new TemplateSpec(classes, size, size, 3, widthMultiplier,
                TemplateSpec.DEFAULT_EMBEDDING_SIZE, TemplateSpec.DEFAULT_COSINE_SCALE, HeadActivation.SOFTMAX);
        var err = command.commandLine().getErr();
        HyperparameterSchema.definition(t.name(), "precision").parse(precision);     // names the allowed values
        Throughput.Result r = Throughput.measure(t, spec, batch, warmup, iterations, precision.equals("bfloat16"),
                i -> { if (!json) err.printf("\r  timed iteration %d/%d", i, iterations); });
        Throughput.GemmPeak gemm = Throughput.gemmPeak(GEMM_SIZE, 5);
        double peak = gemm.best();
        double fractionOfPeak = r.trainGflops() / peak;
        Map<String, Object> pipelineRates = new LinkedHashMap<>();
        if (pipeline) {
            int cores = Runtime.getRuntime().availableProcessors();
            double one = Throughput.pipelineImagesPerSecond(t, spec, batch, 1, pipelineSeconds);
            double all = Throughput.pipelineImagesPerSecond(t, spec, batch, cores, pipelineSeconds);
            pipelineRates.put("oneThread", round(one));
            pipelineRates.put("allThreads", round(all));
            pipelineRates.put("threads", cores);
            pipelineRates.put("oneThreadOverTrain", round(one / r.trainImagesPerSecond()));
        }
        var out = command.commandLine().getOut();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("template", r.template());
            o.put("size", r.size());
            o.put("batch", r.batch());
            o.put("widthMultiplier", r.widthMultiplier());
            o.put("precision", r.precision());
            o.put("train", round(r.trainImagesPerSecond()));
            o.put("infer", round(r.inferImagesPerSecond()));
            o.put("gflops", round(r.trainGflops()));
            o.put("inferGflops", round(r.inferGflops()));
            o.put("params", r.params());
            o.put("macs", r.macs());
            o.put("peakGflops", round(peak));
            Map<String, Object> byLibrary = new LinkedHashMap<>();
            byLibrary.put("nd4j", round(gemm.nd4j()));
            if (!Double.isNaN(gemm.oneDnn())) {
                byLibrary.put("oneDnn", round(gemm.oneDnn()));
            }
            o.put("peakGflopsByLibrary", byLibrary);
            o.put("fractionOfPeak", round(fractionOfPeak));
            if (pipeline) {
                o.put("pipeline", pipelineRates);
            }
            o.put("backend", r.backend());
            out.println(new ObjectMapper().writeValueAsString(o));
        } else {
            err.println();
            out.printf("%s  %dx%d  batch %d  width %.2f  %s%n", r.template(), size, size, batch, widthMultiplier,
                    r.precision());
            out.printf("  train  %8.2f img/s  %7.1f GFLOP/s%n", r.trainImagesPerSecond(), r.trainGflops());
            out.printf("  infer  %8.2f img/s  %7.1f GFLOP/s%n", r.inferImagesPerSecond(), r.inferGflops());
            out.printf("  peak   %8.1f GFLOP/s (float %dx%d GEMM, %s); training runs at %.0f %% of it%n", peak, GEMM_SIZE,
                    GEMM_SIZE, Double.isNaN(gemm.oneDnn()) ? "ND4J's BLAS"
                            : String.format(Locale.ROOT, "the faster of ND4J's BLAS %.1f and oneDNN's SGEMM %.1f",
                                    gemm.nd4j(), gemm.oneDnn()), 100 * fractionOfPeak);
            if (pipeline) {
                out.printf("  input pipeline %.1f img/s on 1 thread (%.1fx training), %.1f img/s on %s threads%n",
                        pipelineRates.get("oneThread"), pipelineRates.get("oneThreadOverTrain"),
                        pipelineRates.get("allThreads"), pipelineRates.get("threads"));
            }
            out.printf("  backend %s%n", r.backend());
        }
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }
}
