package dev.templatelab.training.pipeline;

/**
 * An 8-bit image as read from disk: interleaved (row-major, channel-last) samples, 1 (grey) or 3 (RGB)
 * channels, any alpha already composited on white.
 */
record SourceImage(int width, int height, int channels, byte[] samples) {

    SourceImage {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (samples.length != width * height * channels) {
            throw new IllegalArgumentException("expected " + width * height * channels + " samples, got " + samples.length);
        }
    }

    int sample(int x, int y, int channel) {
        return samples[(y * width + x) * channels + channel] & 0xFF;
    }
}
