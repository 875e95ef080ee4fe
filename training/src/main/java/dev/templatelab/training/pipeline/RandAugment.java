package dev.templatelab.training.pipeline;

import java.util.SplittableRandom;

/**
 * RandAugment (Cubuk et al. 2019) on 0-255 CHW floats: per image, N operations drawn uniformly with
 * replacement from {@link Op}, each applied at the shared magnitude M (0..10) with a random sign where the
 * operation has a direction. Magnitude mappings follow timm's "increasing" variants, so a larger M is always
 * a stronger change. Geometric operations sample bilinearly and fill uncovered pixels with the dataset mean.
 */
final class RandAugment {

    /** The operations RandAugment draws from. */
    enum Op {
        /** Stretch each channel's min..max to 0..255 (ignores M). */
        AUTO_CONTRAST,
        /** Histogram-equalise each channel, Pillow's ImageOps.equalize (ignores M). */
        EQUALIZE,
        /** Rotate about the centre by up to 30 degrees. */
        ROTATE,
        /** Keep 8 - round(4M/10) most significant bits. */
        POSTERIZE,
        /** Invert values at or above 256 - 256M/10. */
        SOLARIZE,
        /** Saturation: blend with the grey image by factor 1 +- 0.9M/10. */
        COLOR,
        /** Blend with the mean grey level by factor 1 +- 0.9M/10. */
        CONTRAST,
        /** Scale by factor 1 +- 0.9M/10. */
        BRIGHTNESS,
        /** Shear along x by up to 0.3 (x += s * y). */
        SHEAR_X,
        /** Shear along y by up to 0.3 (y += s * x). */
        SHEAR_Y,
        /** Translate horizontally by up to 45% of the width. */
        TRANSLATE_X,
        /** Translate vertically by up to 45% of the height. */
        TRANSLATE_Y
    }

    private static final Op[] OPS = Op.values();

    private RandAugment() {
    }

    /** Applies {@code count} random operations at {@code magnitude}; returns the augmented image. */
    static Pixels apply(Pixels pixels, int count, double magnitude, float[] fill, SplittableRandom random) {
        Pixels result = pixels;
        for (int i = 0; i < count; i++) {
            Op op = OPS[random.nextInt(OPS.length)];
            boolean negate = random.nextBoolean();
            result = apply(op, result, magnitude, negate, fill);
        }
        return result;
    }

    /** Applies one operation; {@code negate} flips the direction of directional operations. */
    static Pixels apply(Op op, Pixels pixels, double magnitude, boolean negate, float[] fill) {
        double level = magnitude / Augmentation.MAX_RAND_AUGMENT_MAGNITUDE;
        double sign = negate ? -1 : 1;
        return switch (op) {
            case AUTO_CONTRAST -> autoContrast(pixels);
            case EQUALIZE -> equalize(pixels);
            case ROTATE -> rotate(pixels, sign * 30 * level, fill);
            case POSTERIZE -> posterize(pixels, 8 - (int) Math.round(4 * level));
            case SOLARIZE -> solarize(pixels, 256 - 256 * level);
            case COLOR -> color(pixels, 1 + sign * 0.9 * level);
            case CONTRAST -> contrast(pixels, 1 + sign * 0.9 * level);
            case BRIGHTNESS -> brightness(pixels, 1 + sign * 0.9 * level);
            case SHEAR_X -> affine(pixels, 1, sign * 0.3 * level, 0, 0, 1, 0, fill);
            case SHEAR_Y -> affine(pixels, 1, 0, 0, sign * 0.3 * level, 1, 0, fill);
            case TRANSLATE_X -> affine(pixels, 1, 0, sign * 0.45 * level * pixels.width(), 0, 1, 0, fill);
            case TRANSLATE_Y -> affine(pixels, 1, 0, 0, 0, 1, sign * 0.45 * level * pixels.height(), fill);
        };
    }

    static Pixels autoContrast(Pixels pixels) {
        Pixels out = pixels.copy();
        float[] d = out.data();
        int plane = out.planeSize();
        for (int c = 0; c < out.channels(); c++) {
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                min = Math.min(min, d[i]);
                max = Math.max(max, d[i]);
            }
            if (max - min < 1e-3f) {
                continue; // flat channel: nothing to stretch
            }
            float scale = 255f / (max - min);
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                d[i] = (d[i] - min) * scale;
            }
        }
        return out;
    }

    static Pixels equalize(Pixels pixels) {
        Pixels out = pixels.copy();
        float[] d = out.data();
        int plane = out.planeSize();
        for (int c = 0; c < out.channels(); c++) {
            int[] histogram = new int[256];
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                histogram[quantise(d[i])]++;
            }
            int last = 255;
            while (histogram[last] == 0) {
                last--;
            }
            int step = (plane - histogram[last]) / 255;
            if (step == 0) {
                continue; // Pillow leaves near-constant channels alone
            }
            int[] lut = new int[256];
            int n = step / 2;
            for (int v = 0; v < 256; v++) {
                lut[v] = Math.min(255, n / step);
                n += histogram[v];
            }
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                d[i] = lut[quantise(d[i])];
            }
        }
        return out;
    }

    static Pixels posterize(Pixels pixels, int bits) {
        int mask = (0xFF << (8 - bits)) & 0xFF;
        Pixels out = pixels.copy();
        float[] d = out.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = quantise(d[i]) & mask;
        }
        return out;
    }

    static Pixels solarize(Pixels pixels, double threshold) {
        Pixels out = pixels.copy();
        float[] d = out.data();
        for (int i = 0; i < d.length; i++) {
            if (d[i] >= threshold) {
                d[i] = 255 - d[i];
            }
        }
        return out;
    }

    static Pixels brightness(Pixels pixels, double factor) {
        Pixels out = pixels.copy();
        float[] d = out.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = clamp((float) (d[i] * factor));
        }
        return out;
    }

    /** Pillow's ImageEnhance.Contrast: blend with a flat image at the rounded mean grey level. */
    static Pixels contrast(Pixels pixels, double factor) {
        float[] grey = grey(pixels);
        double sum = 0;
        for (float g : grey) {
            sum += g;
        }
        float mean = (float) Math.floor(sum / grey.length + 0.5);
        Pixels out = pixels.copy();
        float[] d = out.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = clamp((float) (mean + factor * (d[i] - mean)));
        }
        return out;
    }

    /** Pillow's ImageEnhance.Color: blend each pixel with its own grey value (no-op on grey images). */
    static Pixels color(Pixels pixels, double factor) {
        if (pixels.channels() == 1) {
            return pixels;
        }
        float[] grey = grey(pixels);
        int plane = pixels.planeSize();
        Pixels out = pixels.copy();
        float[] d = out.data();
        for (int i = 0; i < d.length; i++) {
            float g = grey[i % plane];
            d[i] = clamp((float) (g + factor * (d[i] - g)));
        }
        return out;
    }

    static Pixels rotate(Pixels pixels, double degrees, float[] fill) {
        double theta = Math.toRadians(degrees);
        double cos = Math.cos(theta);
        double sin = Math.sin(theta);
        double cx = pixels.width() / 2.0;
        double cy = pixels.height() / 2.0;
        // Output (x, y) reads input centre + R(theta) (x - centre, y - centre).
        return affine(pixels, cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy, fill);
    }

    /**
     * Pillow's {@code Image.transform(AFFINE)}: the output pixel centred at (x, y) takes the input at
     * (a x + b y + c, d x + e y + f), bilinearly; points outside the input get {@code fill}.
     */
    static Pixels affine(Pixels pixels, double a, double b, double c, double d, double e, double f, float[] fill) {
        int h = pixels.height();
        int w = pixels.width();
        int plane = h * w;
        float[] in = pixels.data();
        float[] out = new float[in.length];
        for (int y = 0; y < h; y++) {
            double yc = y + 0.5;
            for (int x = 0; x < w; x++) {
                double xc = x + 0.5;
                double sx = a * xc + b * yc + c;
                double sy = d * xc + e * yc + f;
                int o = y * w + x;
                if (sx < 0 || sy < 0 || sx > w || sy > h) {
                    for (int ch = 0; ch < pixels.channels(); ch++) {
                        out[ch * plane + o] = fill[ch];
                    }
                    continue;
                }
                double px = sx - 0.5;
                double py = sy - 0.5;
                int x0 = (int) Math.floor(px);
                int y0 = (int) Math.floor(py);
                float fx = (float) (px - x0);
                float fy = (float) (py - y0);
                int xa = Math.max(0, x0);
                int xb = Math.min(w - 1, x0 + 1);
                int ya = Math.max(0, y0);
                int yb = Math.min(h - 1, y0 + 1);
                for (int ch = 0; ch < pixels.channels(); ch++) {
                    int p = ch * plane;
                    float top = in[p + ya * w + xa] * (1 - fx) + in[p + ya * w + xb] * fx;
                    float bottom = in[p + yb * w + xa] * (1 - fx) + in[p + yb * w + xb] * fx;
                    out[p + o] = top * (1 - fy) + bottom * fy;
                }
            }
        }
        return new Pixels(pixels.channels(), h, w, out);
    }

    /** Per-pixel grey level: the channel itself, or ITU-R 601 luma of RGB. */
    private static float[] grey(Pixels pixels) {
        int plane = pixels.planeSize();
        float[] d = pixels.data();
        if (pixels.channels() == 1) {
            return d.clone();
        }
        float[] grey = new float[plane];
        for (int i = 0; i < plane; i++) {
            grey[i] = 0.299f * d[i] + 0.587f * d[plane + i] + 0.114f * d[2 * plane + i];
        }
        return grey;
    }

    private static int quantise(float v) {
        return Math.min(255, Math.max(0, Math.round(v)));
    }

    private static float clamp(float v) {
        return Math.min(255f, Math.max(0f, v));
    }
}
