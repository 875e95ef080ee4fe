package dev.templatelab.architectures.inception;

import static dev.templatelab.architectures.inception.InceptionModule.module;
import static dev.templatelab.architectures.inception.InceptionModule.reduction;

import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.inception.InceptionModule.Pool;
import java.util.List;
import dev.templatelab.architectures.graph.Padding;

/** The two Inception networks TemplateLab ships, as data. Widths checked against the sources named below. */
public final class InceptionLayouts {

    private InceptionLayouts() {
    }

    /**
     * BN-Inception (Ioffe & Szegedy 2015) as ported from Caffe by Cadene ({@code pretrainedmodels/bninception.py}):
     * conv (with bias) -> BN -> ReLU everywhere, double 3x3 instead of 5x5, ceil-mode max pools,
     * average pools counting padding, 1024-d 5b output. 11,295,240 parameters with a 1000-way classifier.
     */
    public static final InceptionLayout BN_INCEPTION = new InceptionLayout("BN-Inception (Caffe/Cadene)",
            Padding.EXPLICIT, BatchNormStyle.PYTORCH, true, true, true, 16, 1.0,
            (x, depth, layout) -> {
                x = layout.unit(x, "conv1_7x7_s2", depth.applyAsInt(64), 7, 2);
                x = layout.downsamplingMaxPool(x, "pool1_3x3_s2");
                x = layout.unit(x, "conv2_3x3_reduce", depth.applyAsInt(64), 1, 1);
                x = layout.unit(x, "conv2_3x3", depth.applyAsInt(192), 3, 1);
                return layout.downsamplingMaxPool(x, "pool2_3x3_s2");
            },
            List.of(
                    module("inception_3a", 64, 64, 64, 64, 96, Pool.AVG, 32),
                    module("inception_3b", 64, 64, 96, 64, 96, Pool.AVG, 64),
                    reduction("inception_3c", 128, 160, 64, 96),
                    module("inception_4a", 224, 64, 96, 96, 128, Pool.AVG, 128),
                    module("inception_4b", 192, 96, 128, 96, 128, Pool.AVG, 128),
                    module("inception_4c", 160, 128, 160, 128, 160, Pool.AVG, 128),
                    module("inception_4d", 96, 128, 192, 160, 192, Pool.AVG, 128),
                    reduction("inception_4e", 128, 192, 192, 256),
                    module("inception_5a", 352, 192, 320, 160, 224, Pool.AVG, 128),
                    module("inception_5b", 352, 192, 320, 192, 224, Pool.MAX, 128)));

    /**
     * Inception-v2 in TF-slim's {@code nets/inception_v2.py} layout: separable 7x7 stem (depthwise multiplier
     * {@code min(depth(64) / 3, 8)}), SAME padding, no conv bias, batch norm without scale (eps 1e-3),
     * 576-channel Mixed_4d/4e with 96-wide pool projections, Mixed_5c with a max-pool branch, dropout keeping 0.8
     * (TF-slim's dropout_keep_prob; rate 0.2) before the classifier. Where it differs from the Caffe BN-Inception
     * above: the separable stem, 96-wide pool projections in Mixed_4d/4e (576 channels, not 608), no conv bias, BN
     * without scale, SAME padding.
     */
    public static final InceptionLayout INCEPTION_V2 = new InceptionLayout("Inception-v2 (TF-slim)",
            Padding.TF_SAME, BatchNormStyle.TF_SLIM_INCEPTION, false, false, false, 16, 0.8,
            (x, depth, layout) -> {
                int stemWidth = depth.applyAsInt(64);
                int depthwiseMultiplier = Math.min(stemWidth / 3, 8);
                // TF's separable_conv2d: depthwise 7x7 (a grouped conv with one group per input channel),
                // then a 1x1 pointwise conv, then BN + ReLU; neither conv has a bias.
                x = x.groupedConv("conv2d_1a_7x7_depthwise", x.channels() * depthwiseMultiplier, 7, 2, 3, x.channels(), false)
                        .conv("conv2d_1a_7x7_pointwise", stemWidth, 1, 1, 0, false)
                        .batchNormRelu("conv2d_1a_7x7_bn");
                x = layout.downsamplingMaxPool(x, "maxpool_2a_3x3");
                x = layout.unit(x, "conv2d_2b_1x1", depth.applyAsInt(64), 1, 1);
                x = layout.unit(x, "conv2d_2c_3x3", depth.applyAsInt(192), 3, 1);
                return layout.downsamplingMaxPool(x, "maxpool_3a_3x3");
            },
            List.of(
                    module("mixed_3b", 64, 64, 64, 64, 96, Pool.AVG, 32),
                    module("mixed_3c", 64, 64, 96, 64, 96, Pool.AVG, 64),
                    reduction("mixed_4a", 128, 160, 64, 96),
                    module("mixed_4b", 224, 64, 96, 96, 128, Pool.AVG, 128),
                    module("mixed_4c", 192, 96, 128, 96, 128, Pool.AVG, 128),
                    module("mixed_4d", 160, 128, 160, 128, 160, Pool.AVG, 96),
                    module("mixed_4e", 96, 128, 192, 160, 192, Pool.AVG, 96),
                    reduction("mixed_5a", 128, 192, 192, 256),
                    module("mixed_5b", 352, 192, 320, 160, 224, Pool.AVG, 128),
                    module("mixed_5c", 352, 192, 320, 192, 224, Pool.MAX, 128)));
}
