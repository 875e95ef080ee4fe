package dev.templatelab.architectures.runtime;

import java.util.Arrays;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.LongPointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ZeroPaddingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's zero-padding layer, run as one oneDNN copy (a reorder into the interior of the zeroed output, and back
 * out of the gradient's interior) on the fast path, in either activation layout ({@link BlockedActivations}): so
 * a padding layer (TF SAME's extra row and column in Inception-v2) no longer forces the activations around it to
 * plain NCHW. DL4J's layer otherwise.
 */
public final class OneDnnZeroPaddingLayer extends ZeroPaddingLayer implements BlockedActivations.Aware {

    private final boolean onOneDnn = Nd4jRuntime.oneDnnHelpersActive();
    private final OneDnn.ByShape<Primitives> byShape = new OneDnn.ByShape<>();

    public OneDnnZeroPaddingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public boolean canRunBlocked() {
        return onOneDnn && dataType == DataType.FLOAT && layerConf().getDataFormat() == CNN2DFormat.NCHW;
    }

    @Override
    public void runBlocked(boolean input, boolean output) {
        byShape.holdBlocked(input, output);
    }

    @Override
    public boolean holdsBlockedOutput() {
        return byShape.blockedOutput();
    }

    private boolean runsOnOneDnn(INDArray x) {
        boolean runs = canRunBlocked() && x.dataType() == DataType.FLOAT && x.rank() == 4;
        byShape.requireOneDnnWhenBlocked(runs, "padding " + layerConf().getLayerName(), x);
        return runs;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (!runsOnOneDnn(input)) {
            return super.activate(training, workspaceMgr);
        }
        INDArray x = OneDnn.dense(input);
        Primitives p = primitives(x.shape());
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, p.padded, 'c');
        out.assign(0);
        p.run(p.intoInterior, x, p.unpadded, out, p.interior, byShape.stream());
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!runsOnOneDnn(input)) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        Primitives p = primitives(input.shape());
        INDArray gradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(),
                'c');
        p.run(p.outOfInterior, OneDnn.dense(epsilon), p.interior, gradient, p.unpadded, byShape.stream());
        return new Pair<>(new DefaultGradient(), gradient);
    }

    private Primitives primitives(long[] shape) {
        return byShape.get(Arrays.toString(shape),
                () -> new Primitives(shape, layerConf().getPadding(), byShape.blockedInput(), byShape.blockedOutput()));
    }

    /** The two copies for one input shape: into the padded array's interior, and out of its gradient's. */
    private static final class Primitives implements OneDnn.Primitives {
        final long[] padded;
        final memory.desc unpaddedDesc;
        final memory.desc interiorDesc;
        final reorder intoInterior;
        final reorder outOfInterior;
        final OneDnn.Bound unpadded;
        final OneDnn.Bound interior;

        /** {@code padding}: top, bottom, left, right, as DL4J's layer gives it. */
        Primitives(long[] nchw, int[] padding, boolean blockedInput, boolean blockedOutput) {
            padded = new long[] {nchw[0], nchw[1], nchw[2] + padding[0] + padding[1], nchw[3] + padding[2] + padding[3]};
            unpaddedDesc = OneDnn.activation(nchw, blockedInput);
            interiorDesc = OneDnn.activation(padded, blockedOutput).submemory_desc(
                    new LongPointer(nchw), new LongPointer(0, 0, padding[0], padding[2]));
            intoInterior = new reorder(new reorder.primitive_desc(OneDnn.CPU, unpaddedDesc, OneDnn.CPU, interiorDesc));
            outOfInterior = new reorder(new reorder.primitive_desc(OneDnn.CPU, interiorDesc, OneDnn.CPU, unpaddedDesc));
            unpadded = new OneDnn.Bound(unpaddedDesc);
            interior = new OneDnn.Bound(interiorDesc);
        }

        /** Copies {@code from} (read through {@code fromMemory}) to {@code to} (written through {@code toMemory}). */
        void run(reorder copy, INDArray from, OneDnn.Bound fromMemory, INDArray to, OneDnn.Bound toMemory,
                 stream stream) {
            copy.execute(stream, fromMemory.to(from), toMemory.to(to));
            stream._wait();
        }

        @Override
        public void close() {
            interior.close();
            unpadded.close();
            outOfInterior.close();
            intoInterior.close();
            interiorDesc.close();
            unpaddedDesc.close();
        }
    }
}
