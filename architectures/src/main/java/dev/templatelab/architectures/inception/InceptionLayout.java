package dev.templatelab.architectures.inception;

import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Everything that distinguishes one Inception network from another: the stem, the module table and
 * the framework conventions its published version was trained with.
 *
 * @param padding              explicit (Caffe/PyTorch) or TensorFlow SAME
 * @param batchNorm            BN epsilon, decay and whether gamma is learned
 * @param convBias             whether convolutions carry a bias (the Caffe port does, TF-slim does not)
 * @param caffeCeilPooling     stride-2 max pools use Caffe's ceil mode
 * @param avgPoolCountsPadding the pool branch's average counts padded zeros (PyTorch count_include_pad)
 * @param minDepth             smallest channel count the width multiplier may produce (TF-slim's min_depth)
 * @param dropoutRetain        keep probability of dropout before the classifier (1 = none)
 * @param stem                 layers from the image to the first module
 * @param modules              the Inception modules in order
 */
public record InceptionLayout(String family, Padding padding, BatchNormStyle batchNorm, boolean convBias,
                              boolean caffeCeilPooling, boolean avgPoolCountsPadding, int minDepth,
                              double dropoutRetain, Stem stem, List<InceptionModule> modules) {

    /** Builds the stem; {@code depth} applies the width multiplier. */
    @FunctionalInterface
    public interface Stem {
        GraphCursor build(GraphCursor input, IntUnaryOperator depth, InceptionLayout layout);
    }

    public InceptionLayout {
        modules = List.copyOf(modules);
    }

    /** TF-slim's {@code depth(d) = max(int(d * multiplier), min_depth)}. */
    IntUnaryOperator depth(TemplateSpec spec) {
        return d -> spec.scaled(d, minDepth);
    }

    /** A 3x3/2 max pool with this layout's edge convention. */
    GraphCursor downsamplingMaxPool(GraphCursor x, String name) {
        return caffeCeilPooling ? x.ceilModeMaxPool(name, 3, 2) : x.maxPool(name, 3, 2, 0);
    }

    GraphCursor unit(GraphCursor x, String name, int out, int kernel, int stride) {
        return x.convBnRelu(name, out, kernel, stride, kernel / 2, convBias);
    }
}
