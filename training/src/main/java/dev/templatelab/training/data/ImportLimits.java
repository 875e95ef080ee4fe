package dev.templatelab.training.data;

/**
 * Bounds that keep an import from exhausting disk, memory or time on hostile or accidental input.
 *
 * @param maxUncompressedBytes most bytes a zip may expand to, counted while extracting
 * @param maxCompressionRatio  most uncompressed/compressed bytes of one zip entry (zip bomb guard)
 * @param maxEntries           most entries (files and folders) a zip may hold
 * @param maxImagePixels       most width x height of one image, read from its header (decompression bomb guard)
 * @param minImagesPerClass    classes with fewer usable images get a warning in the report
 * @param minClasses           fewer classes is an error: 2 to train a classifier, 1 to evaluate one on a class's images
 * @param decodePixels         decode every image, so that one cut off after its header is skipped here (not met by
 *                             training at the first batch that holds it); false reads headers only, several times
 *                             faster
 */
public record ImportLimits(long maxUncompressedBytes, double maxCompressionRatio, int maxEntries,
                           long maxImagePixels, int minImagesPerClass, int minClasses, boolean decodePixels) {

    public ImportLimits {
        if (maxUncompressedBytes <= 0) {
            throw new IllegalArgumentException("maxUncompressedBytes must be positive, was " + maxUncompressedBytes);
        }
        if (!(maxCompressionRatio >= 1)) {
            throw new IllegalArgumentException("maxCompressionRatio must be at least 1, was " + maxCompressionRatio);
        }
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be positive, was " + maxEntries);
        }
        if (maxImagePixels <= 0) {
            throw new IllegalArgumentException("maxImagePixels must be positive, was " + maxImagePixels);
        }
        if (minImagesPerClass < 1) {
            throw new IllegalArgumentException("minImagesPerClass must be at least 1, was " + minImagesPerClass);
        }
        if (minClasses < 1) {
            throw new IllegalArgumentException("minClasses must be at least 1, was " + minClasses);
        }
    }

    /**
     * 2 GiB uncompressed, ratio 100, 200,000 entries, 100 megapixels per image, 2 images per class, 2 classes, every
     * image decoded.
     */
    public static ImportLimits defaults() {
        return new ImportLimits(2L << 30, 100, 200_000, 100_000_000L, 2, 2, true);
    }

    /**
     * These limits reading only each image's header: for images known to decode, as those of a registered dataset
     * whose content hash still matches (same bytes as when they were decoded).
     */
    public ImportLimits headersOnly() {
        return new ImportLimits(maxUncompressedBytes, maxCompressionRatio, maxEntries, maxImagePixels, minImagesPerClass,
                minClasses, false);
    }

    /** These limits accepting a single class: a trained model may be evaluated on one class's images. */
    public ImportLimits forEvaluation() {
        return new ImportLimits(maxUncompressedBytes, maxCompressionRatio, maxEntries, maxImagePixels,
                minImagesPerClass, 1, decodePixels);
    }

    /** These limits with another uncompressed-size cap. */
    public ImportLimits withMaxUncompressedBytes(long bytes) {
        return new ImportLimits(bytes, maxCompressionRatio, maxEntries, maxImagePixels, minImagesPerClass, minClasses,
                decodePixels);
    }

    /** These limits with another compression-ratio cap. */
    public ImportLimits withMaxCompressionRatio(double ratio) {
        return new ImportLimits(maxUncompressedBytes, ratio, maxEntries, maxImagePixels, minImagesPerClass, minClasses,
                decodePixels);
    }

    /** These limits with another entry-count cap. */
    public ImportLimits withMaxEntries(int entries) {
        return new ImportLimits(maxUncompressedBytes, maxCompressionRatio, entries, maxImagePixels, minImagesPerClass,
                minClasses, decodePixels);
    }

    /** These limits with another per-image pixel cap. */
    public ImportLimits withMaxImagePixels(long pixels) {
        return new ImportLimits(maxUncompressedBytes, maxCompressionRatio, maxEntries, pixels, minImagesPerClass,
                minClasses, decodePixels);
    }

    /** These limits with another small-class threshold. */
    public ImportLimits withMinImagesPerClass(int images) {
        return new ImportLimits(maxUncompressedBytes, maxCompressionRatio, maxEntries, maxImagePixels, images,
                minClasses, decodePixels);
    }
}
