package dev.templatelab.training.pipeline;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.data.ImageFiles;
import dev.templatelab.training.pipeline.Augmentation.RandomResizedCrop;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns image files (JPEG, PNG, BMP, GIF via javax.imageio, WebP via TwelveMonkeys' ImageIO plugin) into a
 * template's input: float CHW, resized to the input size with antialiased bilinear resampling (Pillow's algorithm),
 * grey replicated to 3 channels or colour reduced to luma (ITU-R 601, as Pillow's {@code convert("L")}) for 1-channel
 * inputs, transparency composited on white, channels in the {@link DataConfig}'s order and normalised as
 * (pixel - mean) / std.
 * Deterministic: the same file, settings and seed give bit-identical output. Thread-safe.
 */
public final class ImageDecoder {

    /** ITU-R 601 luma weights, R G B. */
    private static final double[] LUMA = {0.299, 0.587, 0.114};

    private final int height;
    private final int width;
    private final int channels;
    private final DataConfig dataConfig;
    // Per output channel (after reordering): the source channel it reads, and its mean and std.
    private final int[] sourceChannel;
    private final float[] mean;
    private final float[] std;
    // Fill colour of RandAugment's geometric ops, per working (RGB or grey) channel: the dataset mean,
    // which normalises to 0.
    private final float[] rgbFill;
    private final float[] greyFill;

    /** A decoder producing {@code channels x height x width} inputs preprocessed as {@code dataConfig} says. */
    public ImageDecoder(int height, int width, int channels, DataConfig dataConfig) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("input size must be positive, got " + height + "x" + width);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.dataConfig = dataConfig;
        boolean bgr = dataConfig.channelOrder() == DataConfig.ChannelOrder.BGR;
        double[] m = dataConfig.mean();
        double[] s = dataConfig.std();
        double[] rgbMean = bgr ? new double[] {m[2], m[1], m[0]} : m;
        double[] rgbStd = bgr ? new double[] {s[2], s[1], s[0]} : s;
        if (channels == 3) {
            sourceChannel = bgr ? new int[] {2, 1, 0} : new int[] {0, 1, 2};
            mean = new float[] {(float) m[0], (float) m[1], (float) m[2]};
            std = new float[] {(float) s[0], (float) s[1], (float) s[2]};
        } else {
            // A grey input of an RGB-trained config: luma of the per-channel statistics.
            sourceChannel = new int[] {0};
            mean = new float[] {(float) luma(rgbMean)};
            std = new float[] {(float) luma(rgbStd)};
        }
        rgbFill = new float[] {(float) rgbMean[0], (float) rgbMean[1], (float) rgbMean[2]};
        greyFill = new float[] {(float) luma(rgbMean)};
    }

    /** A decoder for the input of {@code spec} (height, width, channels), preprocessed as {@code dataConfig} says. */
    public static ImageDecoder of(TemplateSpec spec, DataConfig dataConfig) {
        return new ImageDecoder(spec.height(), spec.width(), spec.channels(), dataConfig);
    }

    /** Decodes one image for prediction (plain resize, no augmentation) as a [1, C, H, W] float array. */
    public static INDArray decode(Path file, TemplateSpec spec, DataConfig dataConfig) throws IOException {
        return of(spec, dataConfig).decode(file);
    }

    /** Decodes one image for prediction (plain resize, no augmentation) as a [1, C, H, W] float array. */
    public INDArray decode(Path file) throws IOException {
        float[] values = new float[valuesPerImage()];
        decodeInto(file, Augmentation.none(), 0L, values, 0);
        return Nd4j.create(values, new long[] {1, channels, height, width}, DataType.FLOAT);
    }

    /** A left-right mirrored copy of an NCHW array, for test-time flip averaging. */
    public static INDArray flipHorizontal(INDArray nchw) {
        if (nchw.rank() != 4) {
            throw new IllegalArgumentException("expected an NCHW array of rank 4, got shape "
                    + java.util.Arrays.toString(nchw.shape()));
        }
        INDArray source = nchw.castTo(DataType.FLOAT).dup('c');
        float[] in = source.data().asFloat();
        float[] out = new float[in.length];
        int w = (int) nchw.size(3);
        for (int row = 0; row < in.length; row += w) {
            for (int x = 0; x < w; x++) {
                out[row + x] = in[row + w - 1 - x];
            }
        }
        return Nd4j.create(out, nchw.shape(), DataType.FLOAT);
    }

    /**
     * Decodes {@code file}, applies the per-image part of {@code augmentation} with randomness drawn from
     * {@code seed}, and writes the normalised CHW values to {@code destination[offset ..]}.
     */
    public void decodeInto(Path file, Augmentation augmentation, long seed, float[] destination, int offset)
            throws IOException {
        SourceImage source = read(file);
        SplittableRandom random = new SplittableRandom(seed);
        Pixels pixels = augment(source, augmentation, random);
        normaliseInto(pixels, destination, offset);
    }

    /** Values per image: channels x height x width. */
    public int valuesPerImage() {
        return channels * height * width;
    }

    /** Input height in pixels. */
    public int height() {
        return height;
    }

    /** Input width in pixels. */
    public int width() {
        return width;
    }

    /** Input channels, 1 or 3. */
    public int channels() {
        return channels;
    }

    /** The preprocessing applied. */
    public DataConfig dataConfig() {
        return dataConfig;
    }

    /** Crop (or resize), flip and RandAugment one image; 0-255 RGB or grey CHW at the input size. */
    Pixels augment(SourceImage source, Augmentation augmentation, SplittableRandom random) {
        // Draw in a fixed order whether or not a step is enabled, so each setting's randomness is stable.
        SplittableRandom cropRandom = random.split();
        SplittableRandom flipRandom = random.split();
        SplittableRandom randAugmentRandom = random.split();

        Pixels pixels;
        RandomResizedCrop crop = augmentation.randomResizedCrop();
        if (crop == null) {
            pixels = Resampler.resample(source, 0, 0, source.width(), source.height(), width, height);
        } else {
            int[] box = randomResizedCropBox(source.width(), source.height(), crop, cropRandom);
            pixels = Resampler.resample(source, box[0], box[1], box[0] + box[2], box[1] + box[3], width, height);
        }
        if (augmentation.flipProbability() > 0 && flipRandom.nextDouble() < augmentation.flipProbability()) {
            pixels = flip(pixels, augmentation.flipDirection());
        }
        if (augmentation.randAugmentOps() > 0) {
            float[] fill = pixels.channels() == 3 ? rgbFill : greyFill;
            pixels = RandAugment.apply(pixels, augmentation.randAugmentOps(), augmentation.randAugmentMagnitude(),
                    fill, randAugmentRandom);
        }
        return pixels;
    }

    /** Converts channels, reorders and normalises 0-255 pixels into {@code destination[offset ..]}. */
    void normaliseInto(Pixels pixels, float[] destination, int offset) {
        if (pixels.height() != height || pixels.width() != width) {
            throw new IllegalArgumentException("pixels are " + pixels.width() + "x" + pixels.height()
                    + ", expected " + width + "x" + height);
        }
        int plane = height * width;
        float[] data = pixels.data();
        for (int c = 0; c < channels; c++) {
            int out = offset + c * plane;
            float m = mean[c];
            float s = std[c];
            if (pixels.channels() == 1 || channels == 3) {
                // Grey replicated to every output channel, or colour copied in the configured order.
                int in = pixels.channels() == 1 ? 0 : sourceChannel[c] * plane;
                for (int i = 0; i < plane; i++) {
                    destination[out + i] = (data[in + i] - m) / s;
                }
            } else {
                for (int i = 0; i < plane; i++) {
                    float grey = (float) (LUMA[0] * data[i] + LUMA[1] * data[plane + i] + LUMA[2] * data[2 * plane + i]);
                    destination[out + i] = (grey - m) / s;
                }
            }
        }
    }

    /**
     * torchvision's {@code RandomResizedCrop.get_params}: up to 10 tries for a box with a random area
     * fraction and log-uniform aspect ratio that fits, else a centre crop clamped to the ratio range.
     * Returns {x, y, width, height} in source pixels.
     */
    static int[] randomResizedCropBox(int imageWidth, int imageHeight, RandomResizedCrop crop, SplittableRandom random) {
        double area = (double) imageWidth * imageHeight;
        double logMinRatio = Math.log(crop.minRatio());
        double logMaxRatio = Math.log(crop.maxRatio());
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * uniform(random, crop.minScale(), crop.maxScale());
            double aspect = Math.exp(uniform(random, logMinRatio, logMaxRatio));
            int w = (int) Math.round(Math.sqrt(targetArea * aspect));
            int h = (int) Math.round(Math.sqrt(targetArea / aspect));
            if (w > 0 && h > 0 && w <= imageWidth && h <= imageHeight) {
                int y = random.nextInt(imageHeight - h + 1);
                int x = random.nextInt(imageWidth - w + 1);
                return new int[] {x, y, w, h};
            }
        }
        double inRatio = (double) imageWidth / imageHeight;
        int w;
        int h;
        if (inRatio < crop.minRatio()) {
            w = imageWidth;
            h = Math.max(1, Math.min(imageHeight, (int) Math.round(w / crop.minRatio())));
        } else if (inRatio > crop.maxRatio()) {
            h = imageHeight;
            w = Math.max(1, Math.min(imageWidth, (int) Math.round(h * crop.maxRatio())));
        } else {
            w = imageWidth;
            h = imageHeight;
        }
        return new int[] {(imageWidth - w) / 2, (imageHeight - h) / 2, w, h};
    }

    private static double uniform(SplittableRandom random, double low, double high) {
        return low == high ? low : low + (high - low) * random.nextDouble();
    }

    static Pixels flip(Pixels pixels, Augmentation.FlipDirection direction) {
        int h = pixels.height();
        int w = pixels.width();
        float[] in = pixels.data();
        float[] out = new float[in.length];
        for (int c = 0; c < pixels.channels(); c++) {
            int plane = c * h * w;
            for (int y = 0; y < h; y++) {
                int sourceRow = plane + (direction == Augmentation.FlipDirection.VERTICAL ? h - 1 - y : y) * w;
                int row = plane + y * w;
                if (direction == Augmentation.FlipDirection.HORIZONTAL) {
                    for (int x = 0; x < w; x++) {
                        out[row + x] = in[sourceRow + w - 1 - x];
                    }
                } else {
                    System.arraycopy(in, sourceRow, out, row, w);
                }
            }
        }
        return new Pixels(pixels.channels(), h, w, out);
    }

    /** Reads a file into 8-bit grey or RGB samples; alpha is composited on white. */
    static SourceImage read(Path file) throws IOException {
        BufferedImage image;
        try {
            image = ImageFiles.read(file);   // as the import checked it
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot decode image " + file + ": " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IOException("cannot decode image " + file + ": not a " + ImageFiles.FORMAT_NAMES
                    + " that ImageIO can read");
        }
        return toSource(image);
    }

    static SourceImage toSource(BufferedImage image) {
        ColorModel model = image.getColorModel();
        if (!(model instanceof IndexColorModel) && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            return greyFromRaster(image);
        }
        SourceImage fast = rgbFromInterleavedBytes(image);
        return fast != null ? fast : rgbFromArgb(image);
    }

    // Grey read from the raster, not getRGB(): Java2D treats grey as linear and would gamma-shift it.
    private static SourceImage greyFromRaster(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel model = image.getColorModel();
        int greyMax = (1 << model.getComponentSize(0)) - 1;
        boolean alpha = model.hasAlpha();
        int alphaBand = raster.getNumBands() - 1;
        int alphaMax = alpha ? (1 << model.getComponentSize(alphaBand)) - 1 : 1;
        boolean premultiplied = model.isAlphaPremultiplied();
        byte[] out = new byte[w * h];
        int[] grey = new int[w];
        int[] alphas = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, grey);
            if (alpha) {
                raster.getSamples(0, y, w, 1, alphaBand, alphas);
            }
            for (int x = 0; x < w; x++) {
                double g = grey[x] * 255.0 / greyMax;
                if (alpha) {
                    double a = alphas[x] / (double) alphaMax;
                    g = premultiplied ? g + 255 * (1 - a) : g * a + 255 * (1 - a);
                }
                out[y * w + x] = (byte) Math.min(255, Math.max(0, Math.round(g)));
            }
        }
        return new SourceImage(w, h, 1, out);
    }

    // Fast path for what ImageIO returns for JPEG, PNG and BMP colour images: 8-bit interleaved sRGB(A) bytes.
    private static SourceImage rgbFromInterleavedBytes(BufferedImage image) {
        Raster raster = image.getRaster();
        ColorModel model = image.getColorModel();
        if (!(model instanceof ComponentColorModel) || !model.getColorSpace().isCS_sRGB()
                || model.isAlphaPremultiplied()
                || !(raster.getDataBuffer() instanceof DataBufferByte buffer)
                || !(raster.getSampleModel() instanceof PixelInterleavedSampleModel layout)
                || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0
                || buffer.getNumBanks() != 1) {
            return null;
        }
        int bands = raster.getNumBands();
        boolean alpha = model.hasAlpha();
        if (bands != (alpha ? 4 : 3)) {
            return null;
        }
        for (int b = 0; b < bands; b++) {
            if (model.getComponentSize(b) != 8) {
                return null;
            }
        }
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] data = buffer.getData();
        int[] offsets = layout.getBandOffsets();
        int pixelStride = layout.getPixelStride();
        int scanline = layout.getScanlineStride();
        int base = buffer.getOffset();
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            int row = base + y * scanline;
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                int p = row + x * pixelStride;
                int r = data[p + offsets[0]] & 0xFF;
                int g = data[p + offsets[1]] & 0xFF;
                int b = data[p + offsets[2]] & 0xFF;
                if (alpha) {
                    int a = data[p + offsets[3]] & 0xFF;
                    r = onWhite(r, a);
                    g = onWhite(g, a);
                    b = onWhite(b, a);
                }
                out[o++] = (byte) r;
                out[o++] = (byte) g;
                out[o++] = (byte) b;
            }
        }
        return new SourceImage(w, h, 3, out);
    }

    // Everything else (palette GIF/PNG/BMP, 16-bit, packed ints): Java2D's conversion to non-premultiplied sRGB ARGB.
    private static SourceImage rgbFromArgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                int a = argb >>> 24;
                out[o++] = (byte) onWhite((argb >> 16) & 0xFF, a);
                out[o++] = (byte) onWhite((argb >> 8) & 0xFF, a);
                out[o++] = (byte) onWhite(argb & 0xFF, a);
            }
        }
        return new SourceImage(w, h, 3, out);
    }

    /** Composites a colour sample with alpha (0-255) over white, rounding to nearest. */
    static int onWhite(int colour, int alpha) {
        return (colour * alpha + 255 * (255 - alpha) + 127) / 255;
    }

    private static double luma(double[] rgb) {
        return LUMA[0] * rgb[0] + LUMA[1] * rgb[1] + LUMA[2] * rgb[2];
    }
}
