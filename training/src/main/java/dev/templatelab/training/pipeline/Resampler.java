package dev.templatelab.training.pipeline;

/**
 * Separable bilinear (triangle-filter) resampling with antialiasing, the algorithm of Pillow's
 * {@code Image.resize(size, BILINEAR, box)} that torchvision and timm use: when shrinking, the filter is
 * widened by the scale factor so every source pixel contributes (an area-like average, no aliasing);
 * when enlarging it is plain bilinear interpolation. An unscaled copy is exact.
 */
final class Resampler {

    /** For each output index: the first source index, the tap count and the normalised weights. */
    record AxisWeights(int[] first, int[] taps, float[] weights, int stride) {

        int end(int out) {
            return first[out] + taps[out];
        }
    }

    private Resampler() {
    }

    /**
     * Resamples the box {@code [x0, x1) x [y0, y1)} (source pixel coordinates, may be fractional) of
     * {@code source} to {@code outWidth x outHeight}; returns CHW floats on the 0-255 scale.
     */
    static Pixels resample(SourceImage source, double x0, double y0, double x1, double y1, int outWidth, int outHeight) {
        if (!(x0 >= 0 && y0 >= 0 && x1 <= source.width() && y1 <= source.height() && x1 > x0 && y1 > y0)) {
            throw new IllegalArgumentException("crop box [" + x0 + ", " + y0 + ", " + x1 + ", " + y1
                    + "] is not inside the " + source.width() + "x" + source.height() + " image");
        }
        AxisWeights xs = axis(x0, x1, source.width(), outWidth);
        AxisWeights ys = axis(y0, y1, source.height(), outHeight);
        int channels = source.channels();
        int rowMin = ys.first()[0];
        int rowMax = 0;
        for (int o = 0; o < outHeight; o++) {
            rowMax = Math.max(rowMax, ys.end(o));
        }

        // Horizontal pass over only the source rows the vertical pass will read; channel-last rows.
        int rowLength = outWidth * channels;
        float[] horizontal = new float[(rowMax - rowMin) * rowLength];
        byte[] samples = source.samples();
        int sourceRow = source.width() * channels;
        for (int y = rowMin; y < rowMax; y++) {
            int in = y * sourceRow;
            int out = (y - rowMin) * rowLength;
            for (int ox = 0; ox < outWidth; ox++) {
                int first = xs.first()[ox];
                int taps = xs.taps()[ox];
                int w = ox * xs.stride();
                if (channels == 3) {
                    float r = 0;
                    float g = 0;
                    float b = 0;
                    for (int k = 0; k < taps; k++) {
                        float weight = xs.weights()[w + k];
                        int p = in + (first + k) * 3;
                        r += weight * (samples[p] & 0xFF);
                        g += weight * (samples[p + 1] & 0xFF);
                        b += weight * (samples[p + 2] & 0xFF);
                    }
                    horizontal[out + ox * 3] = r;
                    horizontal[out + ox * 3 + 1] = g;
                    horizontal[out + ox * 3 + 2] = b;
                } else {
                    float v = 0;
                    for (int k = 0; k < taps; k++) {
                        v += xs.weights()[w + k] * (samples[in + first + k] & 0xFF);
                    }
                    horizontal[out + ox] = v;
                }
            }
        }

        // Vertical pass, then scatter channel-last rows into CHW planes.
        float[] result = new float[channels * outHeight * outWidth];
        float[] row = new float[rowLength];
        int plane = outHeight * outWidth;
        for (int oy = 0; oy < outHeight; oy++) {
            java.util.Arrays.fill(row, 0f);
            int first = ys.first()[oy] - rowMin;
            int taps = ys.taps()[oy];
            int w = oy * ys.stride();
            for (int k = 0; k < taps; k++) {
                float weight = ys.weights()[w + k];
                int base = (first + k) * rowLength;
                for (int i = 0; i < rowLength; i++) {
                    row[i] += weight * horizontal[base + i];
                }
            }
            int outRow = oy * outWidth;
            for (int ox = 0; ox < outWidth; ox++) {
                for (int c = 0; c < channels; c++) {
                    result[c * plane + outRow + ox] = row[ox * channels + c];
                }
            }
        }
        return new Pixels(channels, outHeight, outWidth, result);
    }

    /** Filter taps mapping {@code [in0, in1)} of an axis of {@code inSize} pixels onto {@code outSize} pixels. */
    static AxisWeights axis(double in0, double in1, int inSize, int outSize) {
        double scale = (in1 - in0) / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale; // triangle radius 1, widened by the shrink factor
        int stride = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] taps = new int[outSize];
        float[] weights = new float[outSize * stride];
        double[] raw = new double[stride];
        for (int o = 0; o < outSize; o++) {
            double center = in0 + (o + 0.5) * scale;
            int min = Math.max(0, (int) Math.floor(center - support + 0.5));
            int max = Math.min(inSize, (int) Math.floor(center + support + 0.5));
            if (max <= min) { // cannot happen for boxes inside the image; nearest pixel as a safe fallback
                min = Math.min(inSize - 1, Math.max(0, (int) Math.floor(center)));
                max = min + 1;
            }
            double total = 0;
            for (int i = min; i < max; i++) {
                double x = Math.abs((i - center + 0.5) / filterScale);
                raw[i - min] = x < 1 ? 1 - x : 0;
                total += raw[i - min];
            }
            first[o] = min;
            taps[o] = max - min;
            for (int i = 0; i < max - min; i++) {
                weights[o * stride + i] = total > 0 ? (float) (raw[i] / total) : (i == 0 ? 1f : 0f);
            }
        }
        return new AxisWeights(first, taps, weights, stride);
    }
}
