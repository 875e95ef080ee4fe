package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateSpec;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Writes a DL4J graph one layer at a time and remembers where it is: the last vertex and its
 * activation shape (channels, height, width). Every method adds vertices after the current one and
 * returns the cursor now standing on the new last vertex, so a block reads top to bottom and no layer
 * name is ever wired by hand. {@link #branch()} forks a cursor that shares the same graph.
 *
 * <p>Shapes are tracked here, independently of DL4J's own inference, so a builder that computes a
 * padding (Caffe's ceil-mode pooling) or checks that branches line up can do so while building.
 */
public final class GraphCursor {

    /** {@link #layerPadding}'s answer for a layer that pads as TF's SAME itself ({@link ConvolutionMode#Same}). */
    private static final int SAME = -1;

    private final GraphBuilder graph;
    private final Padding padding;
    private final BatchNormStyle bnStyle;
    private String vertex;
    private int channels;
    private int height;
    private int width;

    private GraphCursor(GraphBuilder graph, Padding padding, BatchNormStyle bnStyle, String vertex,
                        int channels, int height, int width) {
        this.graph = graph;
        this.padding = padding;
        this.bnStyle = bnStyle;
        this.vertex = vertex;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /**
     * A new graph whose input is the spec's image. {@code padding} decides how convolutions and pools pad:
     * {@link Padding#EXPLICIT} uses the paddings given (PyTorch/Caffe), {@link Padding#TF_SAME} pads like
     * TensorFlow's SAME and ignores them.
     */
    public static GraphCursor start(TemplateSpec spec, Padding padding, BatchNormStyle bnStyle) {
        GraphBuilder graph = new NeuralNetConfiguration.Builder()
                .seed(0)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU)            // He / Kaiming normal, as torchvision initialises convs
                .activation(Activation.IDENTITY)
                .convolutionMode(ConvolutionMode.Truncate)
                // Runtime settings measured in bench/: keep im2col buffers on the device, reuse workspaces.
                .cacheMode(CacheMode.DEVICE)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(TemplateGraph.INPUT)
                .setInputTypes(InputType.convolutional(spec.height(), spec.width(), spec.channels()));
        return new GraphCursor(graph, padding, bnStyle, TemplateGraph.INPUT, spec.channels(), spec.height(), spec.width());
    }

    /** A second cursor at the same place in the same graph, for a parallel branch. */
    public GraphCursor branch() {
        return new GraphCursor(graph, padding, bnStyle, vertex, channels, height, width);
    }

    public String vertex() {
        return vertex;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Square convolution without activation. {@code pad} is ignored with TF SAME padding. */
    public GraphCursor conv(String name, int out, int kernel, int stride, int pad, boolean bias) {
        return convolution(name, out, kernel, stride, pad, 1, bias);
    }

    /**
     * A convolution with {@code groups} groups (PyTorch's {@code Conv2d(groups=g)}; a depthwise convolution
     * when {@code groups} equals the input channels), which DL4J 1.0.0-M2.1 lacks: one {@link Convolution}
     * layer. Its weight is PyTorch's {@code [out, in/groups, k, k]} (for TF's depthwise kernel {@code [k,k,in,m]},
     * row {@code c*m+j} holds {@code [:,:,c,j]}), so imported weights copy one to one.
     */
    public GraphCursor groupedConv(String name, int out, int kernel, int stride, int pad, int groups, boolean bias) {
        return convolution(name, out, kernel, stride, pad, groups, bias);
    }

    private GraphCursor convolution(String name, int out, int kernel, int stride, int pad, int groups, boolean bias) {
        if (channels % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException(name + ": " + channels + " -> " + out
                    + " channels cannot be split into " + groups + " groups");
        }
        int p = layerPadding(name, kernel, stride, pad, true);
        if (p == SAME) {
            add(name, new Convolution(kernel, stride, 0, ConvolutionMode.Same, out, groups, bias));
            return moved(name, out, sameSpatial(height, stride), sameSpatial(width, stride));
        }
        add(name, new Convolution(kernel, stride, p, out, groups, bias));
        return moved(name, out, spatial(height, kernel, stride, p), spatial(width, kernel, stride, p));
    }

    public GraphCursor batchNorm(String name) {
        return batchNorm(name, 1.0);
    }

    /** Batch norm whose scale starts at {@code gammaInit} (0 for a residual branch that starts as the identity). */
    public GraphCursor batchNorm(String name, double gammaInit) {
        return batchNorm(name, gammaInit, false);
    }

    /**
     * Batch norm and the ReLU after it, as one layer {@code name} (one oneDNN pass each way on the fast path; see
     * {@link MomentsBatchNormalization}). Computes what {@code batchNorm(name).relu(...)} computes.
     */
    public GraphCursor batchNormRelu(String name) {
        return batchNorm(name, 1.0, true);
    }

    private GraphCursor batchNorm(String name, double gammaInit, boolean relu) {
        MomentsBatchNormalization bn = bnStyle.scale()
                ? new MomentsBatchNormalization() : new ScaleFreeBatchNormalization();
        bn.setRelu(relu);
        bn.setEps(bnStyle.eps());
        bn.setDecay(bnStyle.decay());
        bn.setGamma(gammaInit);      // the initial value when gamma is learned (lockGammaBeta false)
        bn.setBeta(0.0);
        bn.setLockGammaBeta(false);
        bn.setMinibatch(true);
        bn.setUseLogStd(false);          // keep running variance, the quantity PyTorch/TF checkpoints store
        bn.setCudnnAllowFallback(true);      // MomentsBatchNormalization turns it off for a batch norm with its ReLU
        bn.setCnn2DFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NCHW);
        bn.setNOut(channels);
        bn.setNIn(channels);
        add(name, bn);
        return moved(name, channels, height, width);
    }

    public GraphCursor relu(String name) {
        add(name, new ReluActivation());
        return moved(name, channels, height, width);
    }

    /** conv -> BN -> ReLU, the unit of every template; vertices {@code name} and {@code name_bn} (BN with its ReLU). */
    public GraphCursor convBnRelu(String name, int out, int kernel, int stride, int padding, boolean bias) {
        return conv(name, out, kernel, stride, padding, bias).batchNormRelu(name + "_bn");
    }

    /** Max pooling; with TF SAME padding, as TensorFlow pads it (padded values never win). */
    public GraphCursor maxPool(String name, int kernel, int stride, int pad) {
        int p = layerPadding(name, kernel, stride, pad, true);
        if (p == SAME) {
            add(name, new MaxPooling(kernel, stride, 0, ConvolutionMode.Same));
            return moved(name, channels, sameSpatial(height, stride), sameSpatial(width, stride));
        }
        return maxPooling(name, kernel, stride, p);
    }

    /**
     * Average pooling. {@code includePadInDivisor}: PyTorch's {@code count_include_pad=True} (Caffe) vs.
     * TensorFlow, which averages over the real pixels only.
     */
    public GraphCursor avgPool(String name, int kernel, int stride, int pad, boolean includePadInDivisor) {
        // every TF SAME average pool of the templates is symmetric; an asymmetric one is refused, not run untested
        int p = layerPadding(name, kernel, stride, pad, false);
        add(name, new AveragePooling(kernel, stride, p, includePadInDivisor));
        return moved(name, channels, spatial(height, kernel, stride, p), spatial(width, kernel, stride, p));
    }

    /**
     * Max pooling with Caffe's/PyTorch's {@code ceil_mode=True} and no padding: the last window may run
     * past the bottom/right edge. Done as a zero pad on those edges only, which is exact here because
     * every input it sees comes out of a ReLU (zeros never win a max over non-negative values).
     */
    public GraphCursor ceilModeMaxPool(String name, int kernel, int stride) {
        if (padding != Padding.EXPLICIT) {
            throw new IllegalStateException("ceil-mode pooling is only defined for explicitly padded graphs");
        }
        int padBottom = ceilModeOverhang(height, kernel, stride);
        int padRight = ceilModeOverhang(width, kernel, stride);
        GraphCursor at = this;
        if (padBottom > 0 || padRight > 0) {
            add(name + "_ceilpad", new ZeroPadding(0, padBottom, 0, padRight));
            at = moved(name + "_ceilpad", channels, height + padBottom, width + padRight);
        }
        return at.maxPooling(name, kernel, stride, 0);
    }

    public GraphCursor globalAvgPool(String name) {
        add(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        return moved(name, channels, 1, 1);
    }

    /** Channels {@code [from, from + count)} of the current activation. */
    public GraphCursor channelSlice(String name, int from, int count) {
        graph.addVertex(name, new ChannelSliceVertex(from, from + count - 1), vertex);
        return moved(name, count, height, width);
    }

    public GraphCursor dense(String name, int out, boolean bias) {
        add(name, new DenseLayer.Builder().nOut(out).hasBias(bias).activation(Activation.IDENTITY)
                .weightInit(WeightInit.XAVIER).build());
        return moved(name, out, 1, 1);
    }

    public GraphCursor l2Normalize(String name) {
        graph.addVertex(name, new L2NormalizeVertex(new int[] {1}, 1e-12), vertex);
        return moved(name, channels, 1, 1);
    }

    /** Element-wise sum with another branch (residual connection). */
    public GraphCursor add(String name, GraphCursor other) {
        requireSameShape(name, this, other);
        graph.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), vertex, other.vertex);
        return moved(name, channels, height, width);
    }

    /**
     * {@code max(this + other, 0)}: a residual connection and the ReLU after it, as one vertex ({@link AddRelu},
     * one pass each way where a sum and a ReLU layer make three).
     */
    public GraphCursor addRelu(String name, GraphCursor other) {
        requireSameShape(name, this, other);
        graph.addVertex(name, new AddRelu(), vertex, other.vertex);
        return moved(name, channels, height, width);
    }

    /** Channel concatenation of branches that share a spatial size (Inception modules, grouped convs). */
    public static GraphCursor concat(String name, GraphCursor... branches) {
        GraphCursor first = branches[0];
        int total = 0;
        for (GraphCursor b : branches) {
            if (b.height != first.height || b.width != first.width) {
                throw new IllegalStateException(name + ": branches disagree on spatial size: " + describe(branches));
            }
            total += b.channels;
        }
        first.graph.addVertex(name, new MergeVertex(), Arrays.stream(branches).map(b -> b.vertex).toArray(String[]::new));
        return first.moved(name, total, first.height, first.width);
    }

    /** Dense classifier with the spec's activation and matching loss, named {@link TemplateGraph#OUTPUT}. */
    public GraphCursor denseClassifier(int numClasses, HeadActivation head, double dropoutRetain) {
        OutputLayer.Builder output = new OutputLayer.Builder(head.loss()).activation(head.activation())
                .nOut(numClasses).hasBias(true).weightInit(WeightInit.XAVIER);
        if (dropoutRetain < 1.0) {
            output.dropOut(dropoutRetain);      // DL4J's dropOut argument is the keep probability
        }
        add(TemplateGraph.OUTPUT, output.build());
        return moved(TemplateGraph.OUTPUT, numClasses, 1, 1);
    }

    /** Scaled cosine logits followed by the loss layer named {@link TemplateGraph#OUTPUT}. */
    public GraphCursor cosineClassifier(String logitsName, int numClasses, double scale, HeadActivation head) {
        add(logitsName, new CosineClassifierLayer(numClasses, scale));
        GraphCursor logits = moved(logitsName, numClasses, 1, 1);
        LossLayer loss = new LossLayer.Builder(head.loss()).activation(head.activation()).build();
        // It has no parameters and passes its input on, but DL4J reads its nOut as its output size: left at 0, every
        // build of the graph logs "Assigning a size of zero" (its builder refuses nIn/nOut, the layer takes them).
        loss.setNIn(numClasses);
        loss.setNOut(numClasses);
        logits.add(TemplateGraph.OUTPUT, loss);
        return logits.moved(TemplateGraph.OUTPUT, numClasses, 1, 1);
    }

    /** Finishes the graph with the current vertex as its output. */
    public TemplateGraph build(String featureVertex, java.util.List<String> headVertices) {
        return build(featureVertex, headVertices, java.util.Map.of());
    }

    /** Finishes the graph with the current vertex as its output and the backbone's blocks (name to last vertex). */
    public TemplateGraph build(String featureVertex, java.util.List<String> headVertices,
                               java.util.Map<String, String> backboneBlocks) {
        graph.setOutputs(vertex);
        ComputationGraphConfiguration conf = graph.build();
        return new TemplateGraph(conf, graph.getNetworkInputTypes().get(0), featureVertex, headVertices, backboneBlocks);
    }

    private GraphCursor maxPooling(String name, int kernel, int stride, int pad) {
        add(name, new MaxPooling(kernel, stride, pad));
        return moved(name, channels, spatial(height, kernel, stride, pad), spatial(width, kernel, stride, pad));
    }

    private void add(String name, org.deeplearning4j.nn.conf.layers.Layer layer) {
        graph.addLayer(name, layer, vertex);
    }

    private GraphCursor moved(String newVertex, int newChannels, int newHeight, int newWidth) {
        if (newHeight < 1 || newWidth < 1) {
            throw new IllegalArgumentException("input too small: " + newVertex + " would be " + newHeight + "x" + newWidth);
        }
        this.vertex = newVertex;
        this.channels = newChannels;
        this.height = newHeight;
        this.width = newWidth;
        return this;
    }

    private static int spatial(int in, int kernel, int stride, int pad) {
        return (in + 2 * pad - kernel) / stride + 1;
    }

    /**
     * The symmetric padding to give a layer. For TF SAME it is computed from the current size; when TF
     * would pad one more row/column at the bottom/right, {@link #SAME}: the layer pads as TF does (DL4J's
     * {@link ConvolutionMode#Same}, which oneDNN runs with its separate right/bottom padding). Graphs built before
     * had a zero-padding layer in front instead, which cost a copy of the activation each way.
     */
    private int layerPadding(String name, int kernel, int stride, int explicitPad, boolean asymmetricAllowed) {
        if (padding == Padding.EXPLICIT) {
            return explicitPad;
        }
        int totalH = sameTotalPadding(height, kernel, stride);
        int totalW = sameTotalPadding(width, kernel, stride);
        if (totalH == totalW && totalH % 2 == 0) {
            return totalH / 2;
        }
        if (!asymmetricAllowed) {
            throw new IllegalStateException(name + ": TF SAME needs asymmetric padding here (" + height + "x" + width
                    + ", kernel " + kernel + ", stride " + stride + "), which this layer cannot take");
        }
        return SAME;
    }

    /** TensorFlow's SAME output size: ceil(in / stride). */
    private static int sameSpatial(int in, int stride) {
        return (in + stride - 1) / stride;
    }

    /** TensorFlow's SAME: output ceil(in / stride), total padding (out - 1) * stride + kernel - in. */
    static int sameTotalPadding(int in, int kernel, int stride) {
        return Math.max(0, (sameSpatial(in, stride) - 1) * stride + kernel - in);
    }

    /** Rows Caffe's ceil mode reads beyond the input: (ceil((in - k) / s) + 1 - 1) * s + k - in. */
    static int ceilModeOverhang(int in, int kernel, int stride) {
        int out = Math.floorDiv(in - kernel + stride - 1, stride) + 1;
        return Math.max(0, (out - 1) * stride + kernel - in);
    }

    private static void requireSameShape(String name, GraphCursor a, GraphCursor b) {
        if (a.channels != b.channels || a.height != b.height || a.width != b.width) {
            throw new IllegalStateException(name + ": cannot add " + describe(a, b));
        }
    }

    private static String describe(GraphCursor... cursors) {
        StringBuilder sb = new StringBuilder();
        for (GraphCursor c : cursors) {
            sb.append(c.vertex).append('[').append(c.channels).append('x').append(c.height).append('x').append(c.width).append("] ");
        }
        return sb.toString().trim();
    }
}
