package dev.templatelab.architectures.resnet;

import dev.templatelab.architectures.graph.GraphCursor;

/**
 * A 3x3 convolution with {@code groups} groups (PyTorch's {@code Conv2d(groups=g)}), which DL4J
 * 1.0.0-M2.1 lacks. Built as: slice the input channels into g contiguous groups, one ordinary 3x3
 * convolution per group, concatenate in order. Parameters are exactly PyTorch's: group i's weight is
 * {@code weight[i*outPerGroup:(i+1)*outPerGroup]} of the grouped tensor, so imported weights split one to one.
 *
 * <p>Why this construct: of the five measured in {@code shared/design/stack.md} (slices, one SameDiff
 * layer, block-diagonal masked dense conv, 32 full branches, depthwise-based) slicing was the fastest that
 * keeps the published parameter and MAC counts (18.9 img/s vs 15.0 for SameDiff on a stage-2 block).
 */
final class GroupedConv {

    private GroupedConv() {
    }

    static GraphCursor conv3x3(GraphCursor in, String name, int out, int groups, int stride) {
        if (groups == 1) {
            return in.conv(name, out, 3, stride, 1, false);
        }
        if (in.channels() % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException(name + ": " + in.channels() + " -> " + out
                    + " channels cannot be split into " + groups + " groups");
        }
        int inPerGroup = in.channels() / groups;
        int outPerGroup = out / groups;
        GraphCursor[] groupOutputs = new GraphCursor[groups];
        for (int g = 0; g < groups; g++) {
            groupOutputs[g] = in.branch()
                    .channelSlice(name + "_slice" + g, g * inPerGroup, inPerGroup)
                    .conv(name + "_group" + g, outPerGroup, 3, stride, 1, false);
        }
        return GraphCursor.concat(name, groupOutputs);
    }
}
