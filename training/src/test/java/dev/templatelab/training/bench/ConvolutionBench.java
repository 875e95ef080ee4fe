package dev.templatelab.training.bench;

import dev.templatelab.architectures.graph.Convolution;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.architectures.runtime.OneDnnConvolutionLayer;
import dev.templatelab.architectures.runtime.OneDnnConvolutionLayer.WeightGradientKernel;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One convolution training step (forward, then backward) on ResNet-50's convolution shapes and ResNeXt's
 * grouped 3x3 (batch 8, NCHW, no bias): DL4J's convolution layer with its oneDNN helper (libnd4j's {@code conv2d}
 * and {@code conv2d_bp}; for groups, one per group as the templates' graphs did before) against TemplateLab's
 * {@link Convolution} layer (oneDNN called directly), the one every template uses. Prints median milliseconds
 * per forward and per backward, and each layer's largest error in the output and the weight gradient against
 * DL4J's layer in double precision. A second table times the layer's backward pass with its weight gradient on
 * oneDNN's direct kernel and on its GEMM kernel, on the templates' 3x3 shapes. Run with {@code bench/conv}.
 */
public final class ConvolutionBench {

    /** in, out, map size, kernel, stride, groups. */
    private static final int[][] SHAPES = {
            {64, 64, 56, 1, 1, 1}, {64, 64, 56, 3, 1, 1}, {64, 256, 56, 1, 1, 1}, {256, 64, 56, 1, 1, 1},
            {256, 128, 56, 1, 1, 1}, {128, 128, 56, 3, 2, 1}, {512, 128, 28, 1, 1, 1}, {128, 128, 28, 3, 1, 1},
            {1024, 256, 14, 1, 1, 1}, {256, 256, 14, 3, 1, 1}, {2048, 512, 7, 1, 1, 1}, {512, 512, 7, 3, 1, 1},
            {3, 64, 224, 7, 2, 1}, {128, 128, 56, 3, 1, 32}, {512, 512, 14, 3, 1, 32}};
    /**
     * in, out, map size, stride: the templates' ungrouped 3x3 convolutions, ResNet-50's, then the Inceptions'
     * (BN-Inception's and Inception-v2's: the same layouts).
     */
    private static final int[][] SHAPES_3X3 = {
            {64, 64, 56, 1}, {128, 128, 56, 2}, {128, 128, 28, 1}, {256, 256, 28, 2}, {256, 256, 14, 1},
            {512, 512, 14, 2}, {512, 512, 7, 1},
            {64, 96, 28, 1}, {96, 96, 28, 2}, {128, 160, 28, 2}, {96, 128, 14, 1}, {128, 160, 14, 1},
            {160, 192, 14, 1}, {192, 256, 14, 1}, {128, 192, 14, 2}, {256, 256, 14, 2}, {224, 224, 7, 1},
            {192, 320, 7, 1}};
    private static final int BATCH = 8;

    private ConvolutionBench() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            System.err.println("usage: bench/conv   (no arguments; was: " + String.join(" ", args) + ")");
            System.exit(2);
        }
        Nd4jRuntime.configure();
        if (!Nd4jRuntime.oneDnnHelpersActive()) {
            System.err.println("the oneDNN helpers are off on this backend; nothing to compare");
            System.exit(1);
        }
        System.out.printf(Locale.ROOT, "%-26s | %8s %8s | %8s %8s | %7s | %8s %8s | %8s %8s%n", "in->out map kxk/s groups",
                "DL4J fwd", "direct", "DL4J bwd", "direct", "speedup", "DL4J y", "direct", "DL4J dW", "direct");
        for (int[] s : SHAPES) {
            int in = s[0], out = s[1], map = s[2], kernel = s[3], stride = s[4], groups = s[5];
            int pad = kernel / 2;
            Nd4j.getRandom().setSeed(1);
            INDArray x = Nd4j.randn(DataType.FLOAT, BATCH, in, map, map);
            int outMap = (map + 2 * pad - kernel) / stride + 1;
            INDArray dy = Nd4j.randn(DataType.FLOAT, BATCH, out, outMap, outMap);
            Layer direct = layer(new Convolution(kernel, stride, pad, out, groups, false), in, DataType.FLOAT);
            INDArray w = direct.getParam("W");
            Step dl4j;
            Layer reference = null;
            if (groups == 1) {
                Layer layer = layer(dl4jConvolution(kernel, stride, pad, out), in, DataType.FLOAT);
                layer.setParam("W", w.dup());
                dl4j = Step.of(layer, x, dy);
                reference = layer(dl4jConvolution(kernel, stride, pad, out), in, DataType.DOUBLE);
            } else {
                dl4j = perGroup(in, out, kernel, stride, pad, groups, w, x, dy);
            }
            Step[] steps = {dl4j, Step.of(direct, x, dy)};
            int rounds = x.length() > 5_000_000 ? 9 : 25;
            double[][] ms = new double[4][rounds];
            for (int round = -2; round < rounds; round++) {
                for (int side = 0; side < 2; side++) {
                    double[] t = steps[side].run();
                    if (round >= 0) {
                        ms[side][round] = t[0];
                        ms[2 + side][round] = t[1];
                    }
                }
            }
            String y = "-", yDirect = "-", dw = "-", dwDirect = "-";
            if (reference != null) {
                reference.setParam("W", direct.getParam("W").castTo(DataType.DOUBLE));
                Step exact = Step.of(reference, x.castTo(DataType.DOUBLE), dy.castTo(DataType.DOUBLE));
                exact.run();
                y = error(steps[0].y, exact.y);
                yDirect = error(steps[1].y, exact.y);
                dw = error(steps[0].dw, exact.dw);
                dwDirect = error(steps[1].dw, exact.dw);
            }
            double[] med = {median(ms[0]), median(ms[1]), median(ms[2]), median(ms[3])};
            System.out.printf(Locale.ROOT, "%-26s | %8.2f %8.2f | %8.2f %8.2f | %6.2fx | %8s %8s | %8s %8s%n",
                    in + "->" + out + " " + map + " " + kernel + "x" + kernel + "/" + stride + " " + groups, med[0],
                    med[1], med[2], med[3], (med[0] + med[2]) / (med[1] + med[3]), y, yDirect, dw, dwDirect);
        }
        System.out.println("batch 8; ms = median over rounds (the two layers in turn) after warm-up; speedup = DL4J (fwd + bwd) / "
                + "direct (fwd + bwd);\ny, dW = max |value - double| / max |double| of the output and the weight gradient "
                + "against DL4J's layer in double precision (groups: '-', DL4J has no grouped layer)");
        System.out.println();
        compareWeightGradientKernels();
    }

    /**
     * The layer's backward pass (input gradient, weight gradient and the layout conversions around them) with the
     * weight gradient on oneDNN's direct kernel against its GEMM kernel, the layer holding its activations in
     * 8-channel blocks as in a network, the two taking turns (each going first every other round); which one the
     * templates use ({@code BY_SHAPE}), and how far the two weight gradients lie apart.
     */
    private static void compareWeightGradientKernels() {
        System.out.printf(Locale.ROOT, "%-20s | %9s %9s | %7s | %-12s | %9s%n", "in->out map 3x3/s", "direct k.",
                "GEMM k.", "speedup", "templates", "dW apart");
        for (int[] s : SHAPES_3X3) {
            int in = s[0], out = s[1], map = s[2], stride = s[3];
            int outMap = (map + 2 - 3) / stride + 1;
            Convolution conf = new Convolution(3, stride, 1, out, 1, false);
            Nd4j.getRandom().setSeed(1);
            INDArray x = Nd4j.randn(DataType.FLOAT, BATCH, in, map, map);       // read as 8-channel blocks
            INDArray dy = Nd4j.randn(DataType.FLOAT, BATCH, out, outMap, outMap);
            WeightGradientKernel[] kernels = {WeightGradientKernel.DIRECT, WeightGradientKernel.GEMM,
                    WeightGradientKernel.BY_SHAPE};
            OneDnnConvolutionLayer[] layers = new OneDnnConvolutionLayer[kernels.length];
            Step[] steps = new Step[kernels.length];
            for (int k = 0; k < kernels.length; k++) {
                layers[k] = (OneDnnConvolutionLayer) layer(conf.clone(), in, DataType.FLOAT);
                layers[k].runBlocked(true, true);
                layers[k].useWeightGradientKernel(kernels[k]);
                if (k > 0) {
                    layers[k].setParam("W", layers[0].getParam("W").dup());
                }
                steps[k] = Step.of(layers[k], x, dy);
            }
            int rounds = x.length() > 5_000_000 ? 15 : 41;
            double[][] ms = new double[2][rounds];
            for (int round = -2; round < rounds; round++) {
                for (int turn = 0; turn < 2; turn++) {
                    int side = (round + turn) % 2 == 0 ? 0 : 1;      // who goes first alternates by round
                    double backward = steps[side].run()[1];
                    if (round >= 0) {
                        ms[side][round] = backward;
                    }
                }
            }
            steps[2].run();
            double direct = median(ms[0]), gemm = median(ms[1]);
            System.out.printf(Locale.ROOT, "%-20s | %9.2f %9.2f | %6.2fx | %-12s | %9s%n",
                    in + "->" + out + " " + map + " 3x3/" + stride, direct, gemm, direct / gemm,
                    layers[2].weightGradientImplementation(), error(steps[1].dw, steps[0].dw.castTo(DataType.DOUBLE)));
        }
        System.out.println("backward pass of one layer (input gradient + weight gradient + layout conversions), batch 8, "
                + "activations held in 8-channel blocks; ms = median over rounds (the two in turn) after warm-up;\n"
                + "speedup = direct / GEMM; templates = oneDNN's name for the kernel the templates use for this shape "
                + "(BY_SHAPE); dW apart = max |GEMM - direct| / max |direct| of the weight gradient");
    }

    private static ConvolutionLayer dl4jConvolution(int kernel, int stride, int pad, int out) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).padding(pad, pad).nOut(out)
                .hasBias(false).activation(Activation.IDENTITY).build();
    }

    /** A run-time layer of {@code conf} on its own, initialised, with a gradient view. */
    private static Layer layer(FeedForwardLayer conf, int in, DataType type) {
        conf.setNIn(in);
        // As the templates configure it: CacheMode.DEVICE keeps the forward's result for the backward pass
        NeuralNetConfiguration net = new NeuralNetConfiguration.Builder().dataType(type).weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate).cacheMode(CacheMode.DEVICE).layer(conf).build();
        long params = conf.initializer().numParams(net);
        Layer layer = net.getLayer().instantiate(net, null, 0, Nd4j.create(type, 1, params), true, type);
        layer.setBackpropGradientsViewArray(Nd4j.create(type, 1, params));
        return layer;
    }

    /**
     * The construct the templates used for a grouped convolution before: the input's channels sliced into groups,
     * one DL4J convolution per group, the outputs concatenated.
     */
    private static Step perGroup(int in, int out, int kernel, int stride, int pad, int groups, INDArray w, INDArray x,
                                 INDArray dy) {
        Layer[] layers = new Layer[groups];
        int inPer = in / groups;
        int outPer = out / groups;
        for (int g = 0; g < groups; g++) {
            layers[g] = layer(dl4jConvolution(kernel, stride, pad, outPer), inPer, DataType.FLOAT);
            layers[g].setParam("W", w.get(NDArrayIndex.interval(g * outPer, (g + 1) * outPer), NDArrayIndex.all(),
                    NDArrayIndex.all(), NDArrayIndex.all()).dup());
        }
        return new Step(() -> {
            INDArray[] parts = new INDArray[groups];
            for (int g = 0; g < groups; g++) {
                layers[g].setInput(channels(x, g * inPer, inPer).dup(), IN_WORKSPACE);
                parts[g] = layers[g].activate(true, IN_WORKSPACE);
            }
            return Nd4j.concat(1, parts);
        }, () -> {
            INDArray[] grads = new INDArray[groups];
            for (int g = 0; g < groups; g++) {
                grads[g] = layers[g].backpropGradient(channels(dy, g * outPer, outPer).dup(), IN_WORKSPACE).getFirst()
                        .getGradientFor("W");
            }
            return Nd4j.concat(0, grads);
        });
    }

    private static INDArray channels(INDArray nchw, long from, long count) {
        return nchw.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + count), NDArrayIndex.all(), NDArrayIndex.all());
    }

    /** Every array type (activations, gradients, working memory) in the one workspace around a step. */
    private static final LayerWorkspaceMgr IN_WORKSPACE = BenchWorkspace.named("bench-conv");

    /** One forward (training) and one backward pass; keeps the output and the weight gradient. */
    private static final class Step {
        private final Supplier<INDArray> forward;
        private final Supplier<INDArray> backward;
        INDArray y;
        INDArray dw;

        Step(Supplier<INDArray> forward, Supplier<INDArray> backward) {
            this.forward = forward;
            this.backward = backward;
        }

        static Step of(Layer layer, INDArray x, INDArray dy) {
            return new Step(() -> {
                layer.setInput(x, IN_WORKSPACE);
                return layer.activate(true, IN_WORKSPACE);
            }, () -> layer.backpropGradient(dy, IN_WORKSPACE).getFirst().getGradientFor("W"));
        }

        /**
         * Both passes inside a workspace, as in a network (which allocates its activations, and libnd4j its
         * temporaries, from warm workspace memory; without one every pass would pay for fresh pages).
         */
        double[] run() {
            try (MemoryWorkspace ws = IN_WORKSPACE.notifyScopeEntered(ArrayType.ACTIVATIONS)) {
                long t0 = System.nanoTime();
                INDArray out = forward.get();
                long t1 = System.nanoTime();
                INDArray grad = backward.get();
                long t2 = System.nanoTime();
                y = out.detach();
                dw = grad.detach();
                return new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6};
            }
        }
    }

    private static String error(INDArray actual, INDArray exact) {
        double e = actual.castTo(DataType.DOUBLE).sub(exact).amaxNumber().doubleValue() / exact.amaxNumber().doubleValue();
        return String.format(Locale.ROOT, "%.1e", e);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
