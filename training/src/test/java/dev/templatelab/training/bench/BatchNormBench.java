package dev.templatelab.training.bench;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.architectures.runtime.OneDnnBatchNormHelper;
import java.util.Arrays;
import java.util.Locale;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One batch-norm training step (forward with batch statistics, then backward) on ResNet-50's activation shapes
 * (batch 8, NCHW): DL4J's oneDNN helper ({@code MKLDNNBatchNormHelper}: libnd4j's {@code batchnorm} and
 * {@code batchnorm_bp} ops) against {@link OneDnnBatchNormHelper} (oneDNN called directly), the one every
 * template uses. Prints median milliseconds per forward and per backward and each helper's largest error in
 * the output and the input gradient against a double-precision computation. Run with {@code bench/batchnorm};
 * optional argument: the data's mean in units of its spread (default 1).
 */
public final class BatchNormBench {

    private static final long[][] SHAPES = {
            {8, 64, 112, 112}, {8, 64, 56, 56}, {8, 256, 56, 56}, {8, 128, 28, 28}, {8, 512, 28, 28},
            {8, 256, 14, 14}, {8, 1024, 14, 14}, {8, 512, 7, 7}, {8, 2048, 7, 7}, {8, 16, 32, 32}};
    private static final double EPS = 1e-5;
    /** One workspace per pass (a helper's backward reads what its forward left), every array type in it. */
    private static final LayerWorkspaceMgr[] IN_WORKSPACE = java.util.stream.IntStream.range(0, 4)
            .mapToObj(pass -> BenchWorkspace.named("bench-batchnorm-" + pass)).toArray(LayerWorkspaceMgr[]::new);

    private BatchNormBench() {
    }

    public static void main(String[] args) {
        double offset = 1.0;
        if (args.length > 1 || args.length == 1 && !args[0].matches("-?\\d+(\\.\\d+)?")) {
            System.err.println("usage: bench/batchnorm [MEAN]   MEAN: the data's mean in units of its spread, a number"
                    + " (default 1); was: " + String.join(" ", args));
            System.exit(2);
        } else if (args.length == 1) {
            offset = Double.parseDouble(args[0]);
        }
        Nd4jRuntime.configure();
        System.out.printf(Locale.ROOT, "%-18s | %8s %8s | %8s %8s | %7s | %8s %8s | %8s %8s%n", "shape",
                "DL4J fwd", "oneDNN", "DL4J bwd", "oneDNN", "speedup", "DL4J y", "oneDNN", "DL4J dx", "oneDNN");
        for (long[] shape : SHAPES) {
            Nd4j.getRandom().setSeed(1);
            INDArray x = Nd4j.randn(DataType.FLOAT, shape).addi(offset);
            INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
            long channels = shape[1];
            INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, channels).addi(0.5);
            INDArray beta = Nd4j.rand(DataType.FLOAT, 1, channels);
            Reference reference = Reference.of(x, dy, gamma, beta);
            BatchNormalizationHelper[] helpers = {new MKLDNNBatchNormHelper(DataType.FLOAT), new OneDnnBatchNormHelper()};
            Runnable[] passes = new Runnable[4];      // DL4J forward, oneDNN forward, DL4J backward, oneDNN backward
            INDArray[][] results = new INDArray[4][1];
            for (int h = 0; h < helpers.length; h++) {
                BatchNormalizationHelper helper = helpers[h];
                INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, channels);
                INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, channels);
                INDArray runningMean = Nd4j.zeros(DataType.FLOAT, 1, channels);
                INDArray runningVar = Nd4j.ones(DataType.FLOAT, 1, channels);
                INDArray[] y = results[h];
                INDArray[] dx = results[2 + h];
                LayerWorkspaceMgr forwardWorkspace = IN_WORKSPACE[h];
                LayerWorkspaceMgr backwardWorkspace = IN_WORKSPACE[2 + h];
                passes[h] = () -> y[0] = helper.preOutput(x, true, shape, gamma, beta, runningMean, runningVar,
                        0.9, EPS, CNN2DFormat.NCHW, forwardWorkspace);
                // each backward follows its helper's forward, whose batch statistics it reads
                passes[2 + h] = () -> dx[0] = helper.backpropGradient(x, dy, shape, gamma, beta, dGamma, dBeta,
                        EPS, CNN2DFormat.NCHW, backwardWorkspace).getSecond();
            }
            // The four passes take turns, round after round, so that a slow spell of a shared machine hits both
            // helpers alike; the median round counts.
            int rounds = x.length() > 10_000_000 ? 15 : 51;
            double[][] ms = new double[4][rounds];
            for (int round = -3; round < rounds; round++) {
                for (int pass : new int[] {0, 2, 1, 3}) {
                    // in a workspace, as in a network, which allocates its activations from warm workspace
                    // memory; without one every pass pays for fresh pages (~15 ms at 8x256x56x56)
                    try (MemoryWorkspace ws = IN_WORKSPACE[pass].notifyScopeEntered(ArrayType.ACTIVATIONS)) {
                        long start = System.nanoTime();
                        passes[pass].run();
                        if (round >= 0) {
                            ms[pass][round] = (System.nanoTime() - start) / 1e6;
                        }
                        results[pass][0] = results[pass][0].detach();
                    }
                }
            }
            double[] row = new double[8];
            for (int pass = 0; pass < 4; pass++) {
                row[pass] = median(ms[pass]);
            }
            for (int h = 0; h < 2; h++) {
                row[4 + h] = relativeError(results[h][0], reference.y());
                row[6 + h] = relativeError(results[2 + h][0], reference.dx());
            }
            System.out.printf(Locale.ROOT, "%-18s | %8.2f %8.2f | %8.2f %8.2f | %6.1fx | %8.1e %8.1e | %8.1e %8.1e%n",
                    Arrays.toString(shape).replace(" ", ""), row[0], row[1], row[2], row[3],
                    (row[0] + row[2]) / (row[1] + row[3]), row[4], row[5], row[6], row[7]);
        }
        System.out.printf(Locale.ROOT, "data: standard normal + %.1f; ms = median over rounds (the four passes in turn) after warm-up; "
                + "speedup = DL4J (fwd + bwd) / oneDNN (fwd + bwd);%ny, dx = max |value - double-precision value| / "
                + "max |double-precision value| of the output and of the input gradient%n", offset);
    }

    /** Batch norm's training-mode output and input gradient, in double precision. */
    private record Reference(INDArray y, INDArray dx) {
        static Reference of(INDArray xFloat, INDArray dyFloat, INDArray gammaFloat, INDArray betaFloat) {
            INDArray x = xFloat.castTo(DataType.DOUBLE);
            INDArray dy = dyFloat.castTo(DataType.DOUBLE);
            INDArray gamma = gammaFloat.castTo(DataType.DOUBLE).reshape(gammaFloat.length());
            INDArray beta = betaFloat.castTo(DataType.DOUBLE).reshape(betaFloat.length());
            double m = x.length() / (double) x.size(1);      // values per channel: N * H * W
            INDArray invStd = Transforms.sqrt(x.var(false, 0, 2, 3).addi(EPS)).rdivi(1.0);
            INDArray xHat = x.dup();
            Nd4j.exec(new BroadcastSubOp(xHat, x.mean(0, 2, 3), xHat, 1));
            Nd4j.exec(new BroadcastMulOp(xHat, invStd, xHat, 1));
            INDArray y = xHat.dup();
            Nd4j.exec(new BroadcastMulOp(y, gamma, y, 1));
            Nd4j.exec(new BroadcastAddOp(y, beta, y, 1));
            // dx = gamma * invStd / m * (m * dy - sum(dy) - xHat * sum(dy * xHat))
            INDArray dx = xHat.dup();
            Nd4j.exec(new BroadcastMulOp(dx, dy.mul(xHat).sum(0, 2, 3), dx, 1));
            dx.rsubi(dy.mul(m));
            Nd4j.exec(new BroadcastSubOp(dx, dy.sum(0, 2, 3), dx, 1));
            Nd4j.exec(new BroadcastMulOp(dx, gamma.mul(invStd).divi(m), dx, 1));
            return new Reference(y, dx);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double relativeError(INDArray actual, INDArray reference) {
        return actual.castTo(DataType.DOUBLE).sub(reference).amaxNumber().doubleValue()
                / reference.amaxNumber().doubleValue();
    }
}
