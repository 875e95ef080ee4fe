package dev.templatelab.architectures.resnet;

import dev.templatelab.architectures.graph.GraphCursor;

/**
 * The torchvision / mmcls ("pytorch" style) bottleneck: 1x1 reduce, 3x3 with the stride, 1x1 expand,
 * BN after every conv, no conv bias, projection shortcut (1x1 conv + BN) when shape changes. One
 * parameterised block serves ResNet-50 ({@code cardinality = 1}) and ResNeXt-50 ({@code cardinality = 32}).
 * Vertex names follow torchvision's state-dict keys with '_' for '.', so weights map one to one.
 */
final class Bottleneck {

    private Bottleneck() {
    }

    /**
     * @param name        torchvision prefix, e.g. {@code layer2_0}
     * @param width       channels of the 3x3 convolution
     * @param out         channels of the block's output
     * @param cardinality groups of the 3x3 convolution
     * @param zeroInitLast start {@code bn3}'s gamma at 0 (the block starts as the identity)
     */
    static GraphCursor add(GraphCursor in, String name, int width, int out, int cardinality, int stride,
                           boolean zeroInitLast) {
        GraphCursor shortcut = in.branch();
        if (stride != 1 || in.channels() != out) {
            shortcut.conv(name + "_downsample_0", out, 1, stride, 0, false).batchNorm(name + "_downsample_1");
        }
        GraphCursor residual = in.branch()
                .conv(name + "_conv1", width, 1, 1, 0, false).batchNormRelu(name + "_bn1");
        residual = residual.groupedConv(name + "_conv2", width, 3, stride, 1, cardinality, false)
                .batchNormRelu(name + "_bn2")
                .conv(name + "_conv3", out, 1, 1, 0, false).batchNorm(name + "_bn3", zeroInitLast ? 0.0 : 1.0);
        return residual.addRelu(name + "_add_relu", shortcut);
    }
}
