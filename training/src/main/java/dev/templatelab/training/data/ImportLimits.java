package dev.templatelab.training.data;

/**
 * Bounds that keep an import from exhausting disk, memory or time on hostile or accidental input.
 *
 * @param maxUncompressedBytes most bytes a zip may expand to, counted while extracting
 * @param maxCompressionRatio  most uncompressed/compressed bytes of one zip entry (zip bomb guard)
 * @param maxEntries           most entries (files and folders) a zip may hold
 * @param maxImagePixels       most width x height of one image, read from its header (decompression bomb guard)
 * @param minImagesPerClass    classes with fewer usable images get a warning in the report
 */
public record ImportLimits(long maxUncompressedBytes, double maxCompressionRatio, int maxEntries,
                           long maxImagePixels, int minImagesPerClass) {

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
    }

    /** 2 GiB uncompressed, ratio 100, 200,000 entries, 100 megapixels per image, 2 images per class. */
    public static ImportLimits defaults() {
        return new ImportLimits(2L << 30, 100, 200_000, 100_000_000L, 2);
    }

    /** These limits with another uncompressed-size cap. */
    public ImportLimits withMaxUncompressedBytes(long bytes) {
        return new ImportLimits(bytes, maxCompressionRatio, maxEntries, maxImagePixels, minImagesPerClass);
    }

    /** These limits with another compression-ratio cap. */
    public ImportLimits withMaxCompressionRatio(double ratio) {
        return new ImportLimits(maxUncompressedBytes, ratio, maxEntries, maxImagePixels, minImagesPerClass);
    }

    /** These limits with another entry-count cap. */
    public ImportLimits withMaxEntries(int entries) {
        return new ImportLimits(maxUncompressedBytes, maxCompressionRatio, entries, maxImagePixels, minImagesPerClass);
    }

    /** These limits with another per-image pixel cap. */
    public ImportLimits withMaxImagePixels(long pixels) {
        return new ImportLimits(maxUncompressedBytes, maxCompressionRatio, maxEntries, pixels, minImagesPerClass);
    }

    /** These limits with another small-class threshold. */
    public ImportLimits withMinImagesPerClass(int images) {
        return new ImportLimits(maxUncompressedBytes, maxCompressionRatio, maxEntries, maxImagePixels, images);
    }
}
