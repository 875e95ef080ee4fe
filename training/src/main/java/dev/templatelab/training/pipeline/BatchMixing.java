package dev.templatelab.training.pipeline;

import java.util.SplittableRandom;

/**
 * Batch-level augmentation as timm's {@code Mixup} in batch mode: image i is mixed with image B-1-i (the
 * batch reversed), images and targets alike, with one lambda per batch; then label smoothing.
 */
final class BatchMixing {

    /** What one batch got: the method, the weight of each image's own content, and cutmix's box (x0, y0, x1, y1). */
    record Mix(Kind kind, double lambda, int[] box) {
    }

    enum Kind { NONE, MIXUP, CUTMIX }

    private BatchMixing() {
    }

    /**
     * Mixes a batch in place. {@code features} holds {@code batch} CHW images, {@code targets} {@code batch}
     * rows of {@code classes} values. When mixup and cutmix are both on, cutmix is used with probability 0.5.
     */
    static Mix mix(float[] features, float[] targets, int batch, int channels, int height, int width, int classes,
                   Augmentation augmentation, SplittableRandom random) {
        boolean mixup = augmentation.mixupAlpha() > 0;
        boolean cutmix = augmentation.cutmixAlpha() > 0;
        if (!mixup && !cutmix) {
            return new Mix(Kind.NONE, 1.0, null);
        }
        boolean useCutmix = mixup && cutmix ? random.nextDouble() < 0.5 : cutmix;
        int image = channels * height * width;
        float[] original = features.clone();
        Mix mix;
        if (useCutmix) {
            double lambda = sampleBeta(augmentation.cutmixAlpha(), random);
            // timm's rand_bbox: a box of side sqrt(1 - lambda) of the image at a uniform centre, clipped;
            // lambda is then corrected to the area actually kept.
            double cutRatio = Math.sqrt(1 - lambda);
            int cutH = (int) (height * cutRatio);
            int cutW = (int) (width * cutRatio);
            int cy = random.nextInt(height);
            int cx = random.nextInt(width);
            int y0 = clip(cy - cutH / 2, height);
            int y1 = clip(cy + cutH / 2, height);
            int x0 = clip(cx - cutW / 2, width);
            int x1 = clip(cx + cutW / 2, width);
            double corrected = 1 - (double) (y1 - y0) * (x1 - x0) / ((double) height * width);
            for (int i = 0; i < batch; i++) {
                int self = i * image;
                int other = (batch - 1 - i) * image;
                for (int c = 0; c < channels; c++) {
                    for (int y = y0; y < y1; y++) {
                        int row = (c * height + y) * width;
                        System.arraycopy(original, other + row + x0, features, self + row + x0, x1 - x0);
                    }
                }
            }
            mix = new Mix(Kind.CUTMIX, corrected, new int[] {x0, y0, x1, y1});
        } else {
            double lambda = sampleBeta(augmentation.mixupAlpha(), random);
            float keep = (float) lambda;
            float take = (float) (1 - lambda);
            for (int i = 0; i < batch; i++) {
                int self = i * image;
                int other = (batch - 1 - i) * image;
                for (int j = 0; j < image; j++) {
                    features[self + j] = keep * original[self + j] + take * original[other + j];
                }
            }
            mix = new Mix(Kind.MIXUP, lambda, null);
        }
        float[] originalTargets = targets.clone();
        for (int i = 0; i < batch; i++) {
            int self = i * classes;
            int other = (batch - 1 - i) * classes;
            for (int k = 0; k < classes; k++) {
                targets[self + k] = (float) (mix.lambda() * originalTargets[self + k]
                        + (1 - mix.lambda()) * originalTargets[other + k]);
            }
        }
        return mix;
    }

    /**
     * Label smoothing in place: softmax targets y(1-eps)+eps/K (rows still sum to 1), independent sigmoid
     * targets y(1-eps)+eps/2 (each binary label smoothed towards 0.5).
     */
    static void smooth(float[] targets, int classes, double epsilon, boolean sigmoid) {
        if (epsilon == 0) {
            return;
        }
        double floor = sigmoid ? epsilon / 2 : epsilon / classes;
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (float) (targets[i] * (1 - epsilon) + floor);
        }
    }

    private static int clip(int v, int size) {
        return Math.max(0, Math.min(size, v));
    }

    /** Beta(alpha, alpha) as X / (X + Y) with X, Y ~ Gamma(alpha). */
    static double sampleBeta(double alpha, SplittableRandom random) {
        double x = sampleGamma(alpha, random);
        double y = sampleGamma(alpha, random);
        return x + y == 0 ? 0.5 : x / (x + y);
    }

    /** Marsaglia and Tsang's method; shape below 1 boosted with U^(1/shape). */
    static double sampleGamma(double shape, SplittableRandom random) {
        if (shape < 1) {
            double u = random.nextDouble();
            return sampleGamma(shape + 1, random) * Math.pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3.0;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = random.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }
}
