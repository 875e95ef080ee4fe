package dev.templatelab.architectures;

/**
 * What a template is built for: the architecture's knobs only (no optimiser, schedule or data settings).
 *
 * @param numClasses      classifier outputs
 * @param height          input height in pixels
 * @param width           input width in pixels
 * @param channels        input channels (3 for RGB)
 * @param widthMultiplier channel multiplier; 1.0 is the published network, smaller values give CPU-sized variants
 * @param embeddingSize   embedding width of the embed-norm head (ignored by the other templates)
 * @param cosineScale     logit scale of the embed-norm cosine classifier (inverse temperature; ignored elsewhere)
 * @param head            sigmoid (multi-label) or softmax outputs
 */
public record TemplateSpec(int numClasses, int height, int width, int channels, double widthMultiplier,
                           int embeddingSize, double cosineScale, HeadActivation head) {

    public static final int DEFAULT_EMBEDDING_SIZE = 256;
    public static final double DEFAULT_COSINE_SCALE = 16.0;

    public TemplateSpec {
        require(numClasses >= 1, "numClasses must be at least 1, got " + numClasses);
        require(height >= 32 && width >= 32, "input must be at least 32x32 pixels, got " + height + "x" + width);
        require(height <= 2048 && width <= 2048, "input must be at most 2048x2048 pixels, got " + height + "x" + width);
        require(channels == 1 || channels == 3, "channels must be 1 or 3, got " + channels);
        require(widthMultiplier > 0 && widthMultiplier <= 4, "widthMultiplier must be in (0, 4], got " + widthMultiplier);
        require(embeddingSize >= 2 && embeddingSize <= 8192, "embeddingSize must be in [2, 8192], got " + embeddingSize);
        require(cosineScale > 0 && cosineScale <= 256, "cosineScale must be in (0, 256], got " + cosineScale);
        require(head != null, "head activation is required");
    }

    /** A square RGB softmax network of the published width. */
    public static TemplateSpec of(int numClasses, int size) {
        return new TemplateSpec(numClasses, size, size, 3, 1.0, DEFAULT_EMBEDDING_SIZE, DEFAULT_COSINE_SCALE,
                HeadActivation.SOFTMAX);
    }

    public TemplateSpec withWidthMultiplier(double multiplier) {
        return new TemplateSpec(numClasses, height, width, channels, multiplier, embeddingSize, cosineScale, head);
    }

    public TemplateSpec withHead(HeadActivation newHead) {
        return new TemplateSpec(numClasses, height, width, channels, widthMultiplier, embeddingSize, cosineScale, newHead);
    }

    public TemplateSpec withEmbedding(int size, double scale) {
        return new TemplateSpec(numClasses, height, width, channels, widthMultiplier, size, scale, head);
    }

    public TemplateSpec withClasses(int classes) {
        return new TemplateSpec(classes, height, width, channels, widthMultiplier, embeddingSize, cosineScale, head);
    }

    /** Channels after the width multiplier, never below {@code minimum}. */
    public int scaled(int publishedChannels, int minimum) {
        return Math.max(minimum, (int) (publishedChannels * widthMultiplier));
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
