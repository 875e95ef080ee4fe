package dev.templatelab.training.bench;

import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.inference.InferenceNetwork;
import dev.templatelab.architectures.runtime.Bfloat16Convolutions;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.architectures.stats.ModelStats;
import dev.templatelab.training.TrainingJob;
import dev.templatelab.training.data.ImageRecord;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.Hyperparameters;
import dev.templatelab.training.optim.LeanUpdaterBlocks;
import dev.templatelab.training.optim.Optimizers;
import dev.templatelab.training.pipeline.PipelineThroughput;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * Training and inference images/s of a template on this machine: synthetic batches (so only the
 * network is timed), warm-up first, then the median of timed iterations. Training uses SGD with
 * momentum 0.9, the optimiser the PyTorch peer in {@code bench/} uses too.
 */
public final class Throughput {

    /**
     * @param trainImagesPerSecond median training throughput (forward + backward + update)
     * @param inferImagesPerSecond median inference throughput (forward, inference mode)
     * @param trainGflops          achieved training GFLOP/s, counting 3 x forward MACs x 2 FLOPs per image
     * @param inferGflops          achieved inference GFLOP/s (forward MACs x 2)
     * @param precision            the convolutions' arithmetic: "float32" or "bfloat16" ({@link Bfloat16Convolutions})
     */
    public record Result(String template, int size, int batch, double widthMultiplier, long params, long macs,
                         double trainImagesPerSecond, double inferImagesPerSecond, double trainGflops,
                         double inferGflops, String precision, Map<String, Object> backend) {
    }

    private Throughput() {
    }

    /**
     * {@code bfloat16}: the training step's convolutions multiply in bfloat16 (refused without AVX-512 BF16);
     * inference stays float32, as evaluation and prediction run it.
     */
    public static Result measure(Template template, TemplateSpec spec, int batch, int warmup, int iterations,
                                 boolean bfloat16, IntConsumer progress) {
        if (batch < 1 || warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("batch and iterations must be at least 1, warm-up at least 0");
        }
        Nd4jRuntime.configure();
        TemplateGraph graph = Optimizers.withUpdater(template.build(spec), new Nesterovs(0.01, 0.9));
        ComputationGraph net = graph.newNetwork(42);
        LeanUpdaterBlocks.install(net);                 // as the fit loop trains
        Bfloat16Convolutions.apply(net, bfloat16);
        ModelStats stats = ModelStats.of(graph, net);

        Nd4j.getRandom().setSeed(7);
        INDArray features = Nd4j.rand(DataType.FLOAT, batch, spec.channels(), spec.height(), spec.width());
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, spec.numClasses());
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, i % spec.numClasses(), 1.0);
        }
        DataSet data = new DataSet(features, labels);

        double trainSeconds = medianSeconds(warmup, iterations, () -> net.fit(data), progress);
        ComputationGraph inference = InferenceNetwork.of(net);     // what evaluation and prediction run (float32)
        double inferSeconds = medianSeconds(warmup, iterations, () -> inference.outputSingle(false, features), progress);
        double train = batch / trainSeconds;
        double infer = batch / inferSeconds;
        return new Result(template.name(), spec.height(), batch, spec.widthMultiplier(), stats.trainableParams(),
                stats.macs(), train, infer, 6.0 * stats.macs() * train / 1e9, 2.0 * stats.macs() * infer / 1e9,
                bfloat16 ? "bfloat16" : "float32", Nd4jRuntime.describe());
    }

    /**
     * This CPU's practical float32 peak: GFLOP/s of an {@code n x n x n} matrix product (median of {@code iterations}
     * after two warm-ups) through ND4J's BLAS and through oneDNN's SGEMM, whichever is faster. The yardstick for
     * "fraction of peak": a convolution network cannot run faster than the GEMM underneath it. Both, because
     * neither is always the faster: ND4J's OpenBLAS has no kernel for some newer CPUs and runs its AVX2 one on them
     * (an AVX-512 AMD EPYC here: 163-178 GFLOP/s against oneDNN's AVX-512 SGEMM's 317-367).
     */
    public static GemmPeak gemmPeak(int n, int iterations) {
        Nd4jRuntime.configure();
        Nd4j.getRandom().setSeed(3);
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, new long[] {n, n}, 'f');
        double flops = 2.0 * n * n * (double) n;
        double nd4j = flops / medianSeconds(2, iterations, () -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0),
                i -> { }) / 1e9;
        double oneDnn = Double.NaN;
        if (Nd4jRuntime.oneDnnHelpersActive()) {
            INDArray rowMajorC = Nd4j.create(DataType.FLOAT, n, n);
            FloatPointer pa = (FloatPointer) a.data().addressPointer();
            FloatPointer pb = (FloatPointer) b.data().addressPointer();
            FloatPointer pc = (FloatPointer) rowMajorC.data().addressPointer();
            int[] status = {dnnl.dnnl_success};
            double seconds = medianSeconds(2, iterations, () -> status[0] |= dnnl.dnnl_sgemm((byte) 'N', (byte) 'N', n, n,
                    n, 1f, pa, n, pb, n, 0f, pc, n), i -> { });
            oneDnn = status[0] == dnnl.dnnl_success ? flops / seconds / 1e9 : Double.NaN;
            Reference.reachabilityFence(rowMajorC);       // oneDNN wrote through the raw pointers until here
        }
        Reference.reachabilityFence(a);
        Reference.reachabilityFence(b);
        return new GemmPeak(n, nd4j, oneDnn);
    }

    /** GFLOP/s of an {@code n}^3 float32 GEMM through ND4J's BLAS and through oneDNN's SGEMM (NaN: not run or failed). */
    public record GemmPeak(int n, double nd4j, double oneDnn) {
        /** The faster of the two. */
        public double best() {
            return Double.isNaN(oneDnn) ? nd4j : Math.max(nd4j, oneDnn);
        }
    }

    /**
     * Images/s the input pipeline delivers for this template's training recipe (decode, its default
     * augmentation, resize to {@code spec}'s size, batch) on {@code threads} decoder threads, from photo-like
     * JPEGs of ImageNet-like size written to a temporary folder, run for about {@code seconds}.
     */
    public static double pipelineImagesPerSecond(Template template, TemplateSpec spec, int batch, int threads,
                                                 double seconds) throws IOException {
        Hyperparameters hp = HyperparameterSchema.resolve(template, Map.of());
        Path dir = Files.createTempDirectory("templatelab-pipeline-bench");
        try {
            List<ImageRecord> records = new ArrayList<>();
            for (Path file : SyntheticPhotos.writeJpegs(dir, 4 * batch, 4, 11)) {
                records.add(new ImageRecord(file, List.of(file.getParent().getFileName().toString())));
            }
            return PipelineThroughput.measure(records, spec, TrainingJob.dataConfig(template, spec.height()),
                    TrainingJob.augmentation(hp), batch, seconds, threads);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Median seconds of {@code iterations} timed calls after {@code warmup} untimed ones (also used by bench/batchnorm). */
    static double medianSeconds(int warmup, int iterations, Runnable step, IntConsumer progress) {
        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        double[] seconds = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            step.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
            progress.accept(i + 1);
        }
        Arrays.sort(seconds);
        return iterations % 2 == 1 ? seconds[iterations / 2]
                : (seconds[iterations / 2 - 1] + seconds[iterations / 2]) / 2;
    }
}
