package dev.templatelab.training.bench;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.summarystats.Variance;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch-norm training statistics on ResNet-50's activation shapes (batch 8, NCHW): DL4J's oneDNN helper's way
 * (mean + ND4J {@code Variance} over (N, H, W)) against libnd4j's {@code moments} op, which
 * {@code MomentsBatchNormHelper} uses. Prints median milliseconds per call and each variance's largest
 * relative error against a double-precision reference. Run with {@code bench/batchnorm} (under the shared
 * lock on a shared machine); optional argument: the data's mean in units of its spread (default 1).
 */
public final class BatchNormStatisticsBench {

    private static final long[][] SHAPES = {
            {8, 64, 112, 112}, {8, 64, 56, 56}, {8, 256, 56, 56}, {8, 128, 28, 28}, {8, 512, 28, 28},
            {8, 256, 14, 14}, {8, 1024, 14, 14}, {8, 512, 7, 7}, {8, 2048, 7, 7}, {8, 16, 32, 32}};
    private static final int[] NCHW_STATS_AXES = {0, 2, 3};

    private BatchNormStatisticsBench() {
    }

    public static void main(String[] args) {
        double offset = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        Nd4jRuntime.configure();
        System.out.printf(Locale.ROOT, "%-20s %14s %14s %8s %12s %12s%n", "shape", "mean+Variance", "moments",
                "speed-up", "err(DL4J)", "err(moments)");
        for (long[] shape : SHAPES) {
            Nd4j.getRandom().setSeed(1);
            INDArray x = Nd4j.randn(DataType.FLOAT, shape).addi(offset);
            long channels = shape[1];
            INDArray mean = Nd4j.create(DataType.FLOAT, channels);
            INDArray var = Nd4j.create(DataType.FLOAT, channels);
            INDArray momentsMean = Nd4j.create(DataType.FLOAT, channels);
            INDArray momentsVar = Nd4j.create(DataType.FLOAT, channels);
            Runnable dl4j = () -> {
                x.mean(mean, NCHW_STATS_AXES);
                Nd4j.exec(new Variance(x, var, false, NCHW_STATS_AXES));
            };
            Runnable moments = () -> Nd4j.exec(DynamicCustomOp.builder("moments").addInputs(x)
                    .addIntegerArguments(NCHW_STATS_AXES).addOutputs(momentsMean, momentsVar).build());
            int iterations = x.length() > 10_000_000 ? 11 : 51;
            double dl4jMs = 1e3 * Throughput.medianSeconds(3, iterations, dl4j, done -> { });
            double momentsMs = 1e3 * Throughput.medianSeconds(3, iterations, moments, done -> { });
            INDArray reference = x.castTo(DataType.DOUBLE).var(false, NCHW_STATS_AXES);
            System.out.printf(Locale.ROOT, "%-20s %14.3f %14.3f %7.1fx %12.1e %12.1e%n",
                    Arrays.toString(shape).replace(" ", ""), dl4jMs, momentsMs, dl4jMs / momentsMs,
                    relativeError(var, reference), relativeError(momentsVar, reference));
        }
        System.out.printf(Locale.ROOT, "data: standard normal + %.1f; median of timed calls after warm-up; "
                + "err = max |var - double-precision var| / var%n", offset);
    }

    private static double relativeError(INDArray actual, INDArray reference) {
        return actual.castTo(DataType.DOUBLE).sub(reference).div(reference).amaxNumber().doubleValue();
    }
}
