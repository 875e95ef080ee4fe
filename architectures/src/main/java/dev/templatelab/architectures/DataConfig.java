package dev.templatelab.architectures;

import java.util.Arrays;

/**
 * How a template expects its pixels: the preprocessing its published weights were trained with.
 * Mean and std are on the 0-255 scale, in the listed channel order; input = (pixel - mean) / std.
 *
 * @param imageSize    default square input size (Clarifai's {@code image_size})
 * @param channelOrder RGB (torchvision, TF-slim) or BGR (Caffe ports such as Cadene's BN-Inception)
 * @param mean         per-channel mean, 0-255 scale
 * @param std          per-channel standard deviation, 0-255 scale
 */
public record DataConfig(int imageSize, ChannelOrder channelOrder, double[] mean, double[] std) {

    public enum ChannelOrder { RGB, BGR }

    /** torchvision / mmcls ImageNet statistics. */
    public static DataConfig imagenet(int imageSize) {
        return new DataConfig(imageSize, ChannelOrder.RGB,
                new double[] {123.675, 116.28, 103.53}, new double[] {58.395, 57.12, 57.375});
    }

    public DataConfig {
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 channels");
        }
        if (Arrays.stream(std).anyMatch(s -> s <= 0)) {
            throw new IllegalArgumentException("std must be positive: " + Arrays.toString(std));
        }
        mean = mean.clone();
        std = std.clone();
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataConfig d && d.imageSize == imageSize && d.channelOrder == channelOrder
                && Arrays.equals(d.mean, mean) && Arrays.equals(d.std, std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * imageSize + channelOrder.hashCode()) + Arrays.hashCode(mean) * 17 + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "DataConfig[imageSize=" + imageSize + ", order=" + channelOrder + ", mean=" + Arrays.toString(mean)
                + ", std=" + Arrays.toString(std) + "]";
    }
}
