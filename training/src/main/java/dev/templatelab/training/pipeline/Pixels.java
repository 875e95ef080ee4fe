package dev.templatelab.training.pipeline;

/**
 * A float image in CHW layout on the 0-255 scale, in RGB order (or one grey channel): what augmentations
 * operate on before channel order and normalisation are applied.
 */
record Pixels(int channels, int height, int width, float[] data) {

    Pixels {
        if (data.length != channels * height * width) {
            throw new IllegalArgumentException("expected " + channels * height * width + " values, got " + data.length);
        }
    }

    float get(int channel, int y, int x) {
        return data[(channel * height + y) * width + x];
    }

    int planeSize() {
        return height * width;
    }

    Pixels copy() {
        return new Pixels(channels, height, width, data.clone());
    }
}
