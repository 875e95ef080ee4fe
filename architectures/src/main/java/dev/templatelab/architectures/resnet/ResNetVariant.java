package dev.templatelab.architectures.resnet;

import java.util.List;

/**
 * One row of the ResNet family table (timm's {@code model_args}): a variant differs only by these numbers.
 *
 * @param stageDepths bottleneck blocks per stage (ResNet-50: 3, 4, 6, 3)
 * @param cardinality groups of the 3x3 convolution (1 = ResNet, 32 = ResNeXt 32x4d)
 * @param baseWidth   channels per group at the first stage, in torchvision's convention
 *                    ({@code width = planes * baseWidth / 64 * cardinality})
 */
public record ResNetVariant(List<Integer> stageDepths, int cardinality, int baseWidth) {

    /** Bottleneck "planes" per stage; the block's output is 4x this. */
    public static final List<Integer> STAGE_PLANES = List.of(64, 128, 256, 512);
    public static final int EXPANSION = 4;

    public static final ResNetVariant RESNET_50 = new ResNetVariant(List.of(3, 4, 6, 3), 1, 64);
    public static final ResNetVariant RESNEXT_50_32X4D = new ResNetVariant(List.of(3, 4, 6, 3), 32, 4);

    public ResNetVariant {
        stageDepths = List.copyOf(stageDepths);
        if (stageDepths.size() != STAGE_PLANES.size()) {
            throw new IllegalArgumentException("a ResNet has " + STAGE_PLANES.size() + " stages, got " + stageDepths);
        }
    }
}
