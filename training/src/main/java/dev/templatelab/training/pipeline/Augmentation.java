package dev.templatelab.training.pipeline;

/**
 * Training-time augmentation, with the names Clarifai's templates and the "ResNet strikes back" recipes use.
 * Per image, in this order (timm's order): random-resized crop (or a plain resize to the input size), flip,
 * RandAugment; then per batch: mixup or cutmix, then label smoothing of the targets.
 *
 * @param flipProbability      probability of flipping an image, in [0, 1]
 * @param flipDirection        which way a flip mirrors the image
 * @param randomResizedCrop    crop a random area and aspect ratio before resizing; {@code null} = plain resize
 *                             of the whole image to the input size
 * @param mixupAlpha           Beta(alpha, alpha) parameter of mixup; 0 = off
 * @param cutmixAlpha          Beta(alpha, alpha) parameter of cutmix; 0 = off. With mixup also on, each
 *                             batch uses one of the two, chosen with probability 0.5 (timm's switch_prob)
 * @param labelSmoothing       epsilon in [0, 1): softmax targets become y(1-eps)+eps/K, sigmoid targets y(1-eps)+eps/2
 * @param randAugmentOps       RandAugment N: operations drawn (with replacement) and applied per image; 0 = off
 * @param randAugmentMagnitude RandAugment M in [0, 10]: strength of every operation (10 = strongest)
 */
public record Augmentation(double flipProbability, FlipDirection flipDirection, RandomResizedCrop randomResizedCrop,
                           double mixupAlpha, double cutmixAlpha, double labelSmoothing,
                           int randAugmentOps, double randAugmentMagnitude) {

    /** Largest Beta alpha accepted for mixup and cutmix (timm recipes use 0.1 to 1.0). */
    public static final double MAX_MIX_ALPHA = 10.0;
    /** Most RandAugment operations per image accepted. */
    public static final int MAX_RAND_AUGMENT_OPS = 10;
    /** Strongest RandAugment magnitude (timm's _LEVEL_DENOM). */
    public static final double MAX_RAND_AUGMENT_MAGNITUDE = 10.0;

    /** Which way a flip mirrors the image. */
    public enum FlipDirection {
        /** Left-right mirror (Clarifai's default). */
        HORIZONTAL,
        /** Top-bottom mirror. */
        VERTICAL
    }

    /**
     * torchvision's RandomResizedCrop: a crop covering a uniform fraction of the image area in
     * [minScale, maxScale] with an aspect ratio log-uniform in [minRatio, maxRatio], resized to the input size.
     */
    public record RandomResizedCrop(double minScale, double maxScale, double minRatio, double maxRatio) {

        public RandomResizedCrop {
            require(minScale > 0 && minScale <= maxScale && maxScale <= 1,
                    "randomResizedCrop scale range must satisfy 0 < min <= max <= 1, got [" + minScale + ", " + maxScale + "]");
            require(minRatio > 0 && minRatio <= maxRatio && Double.isFinite(maxRatio),
                    "randomResizedCrop ratio range must satisfy 0 < min <= max, got [" + minRatio + ", " + maxRatio + "]");
        }

        /** torchvision's defaults: scale 0.08..1.0, ratio 3/4..4/3. */
        public static RandomResizedCrop standard() {
            return new RandomResizedCrop(0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
        }
    }

    public Augmentation {
        require(flipProbability >= 0 && flipProbability <= 1,
                "flipProbability must be in [0, 1], got " + flipProbability);
        require(flipDirection != null, "flipDirection must be HORIZONTAL or VERTICAL, got null");
        require(mixupAlpha >= 0 && mixupAlpha <= MAX_MIX_ALPHA,
                "mixupAlpha must be 0 (off) or in (0, " + MAX_MIX_ALPHA + "], got " + mixupAlpha);
        require(cutmixAlpha >= 0 && cutmixAlpha <= MAX_MIX_ALPHA,
                "cutmixAlpha must be 0 (off) or in (0, " + MAX_MIX_ALPHA + "], got " + cutmixAlpha);
        require(labelSmoothing >= 0 && labelSmoothing < 1,
                "labelSmoothing must be in [0, 1) (1 would erase every label), got " + labelSmoothing);
        require(randAugmentOps >= 0 && randAugmentOps <= MAX_RAND_AUGMENT_OPS,
                "randAugmentOps must be in [0, " + MAX_RAND_AUGMENT_OPS + "], got " + randAugmentOps);
        require(randAugmentMagnitude >= 0 && randAugmentMagnitude <= MAX_RAND_AUGMENT_MAGNITUDE,
                "randAugmentMagnitude must be in [0, " + MAX_RAND_AUGMENT_MAGNITUDE + "], got " + randAugmentMagnitude);
    }

    /** No augmentation: plain resize, no flip, no mixing, hard labels (evaluation and prediction). */
    public static Augmentation none() {
        return new Augmentation(0, FlipDirection.HORIZONTAL, null, 0, 0, 0, 0, 0);
    }

    /** A copy with another flip probability and direction. */
    public Augmentation withFlip(double probability, FlipDirection direction) {
        return new Augmentation(probability, direction, randomResizedCrop, mixupAlpha, cutmixAlpha, labelSmoothing,
                randAugmentOps, randAugmentMagnitude);
    }

    /** A copy with another random-resized crop; {@code null} switches it off (plain resize). */
    public Augmentation withRandomResizedCrop(RandomResizedCrop crop) {
        return new Augmentation(flipProbability, flipDirection, crop, mixupAlpha, cutmixAlpha, labelSmoothing,
                randAugmentOps, randAugmentMagnitude);
    }

    /** A copy with another mixup alpha (0 = off). */
    public Augmentation withMixup(double alpha) {
        return new Augmentation(flipProbability, flipDirection, randomResizedCrop, alpha, cutmixAlpha, labelSmoothing,
                randAugmentOps, randAugmentMagnitude);
    }

    /** A copy with another cutmix alpha (0 = off). */
    public Augmentation withCutmix(double alpha) {
        return new Augmentation(flipProbability, flipDirection, randomResizedCrop, mixupAlpha, alpha, labelSmoothing,
                randAugmentOps, randAugmentMagnitude);
    }

    /** A copy with another label-smoothing epsilon. */
    public Augmentation withLabelSmoothing(double epsilon) {
        return new Augmentation(flipProbability, flipDirection, randomResizedCrop, mixupAlpha, cutmixAlpha, epsilon,
                randAugmentOps, randAugmentMagnitude);
    }

    /** A copy with another RandAugment N (ops per image) and M (magnitude). */
    public Augmentation withRandAugment(int ops, double magnitude) {
        return new Augmentation(flipProbability, flipDirection, randomResizedCrop, mixupAlpha, cutmixAlpha,
                labelSmoothing, ops, magnitude);
    }

    /** Whether batches are mixed (mixup or cutmix on). */
    public boolean mixesBatches() {
        return mixupAlpha > 0 || cutmixAlpha > 0;
    }

    /** Whether any per-image augmentation draws random numbers. */
    public boolean isRandomPerImage() {
        return flipProbability > 0 || randomResizedCrop != null || randAugmentOps > 0;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
