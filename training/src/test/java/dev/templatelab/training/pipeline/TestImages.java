package dev.templatelab.training.pipeline;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.bench.SyntheticPhotos;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Small synthetic images written with java.awt, and settings shared by the pipeline tests. */
final class TestImages {

    /** Mean 0, std 1: decoded values are the 0-255 pixel values themselves. */
    static final DataConfig RAW = new DataConfig(32, DataConfig.ChannelOrder.RGB, new double[] {0, 0, 0},
            new double[] {1, 1, 1});
    /** Cadene's BN-Inception preprocessing: BGR, mean (104, 117, 128), std 1. */
    static final DataConfig CADENE_BGR = new DataConfig(224, DataConfig.ChannelOrder.BGR,
            new double[] {104, 117, 128}, new double[] {1, 1, 1});

    private TestImages() {
    }

    static TemplateSpec spec(int classes, int height, int width, int channels) {
        return new TemplateSpec(classes, height, width, channels, 1.0, TemplateSpec.DEFAULT_EMBEDDING_SIZE,
                TemplateSpec.DEFAULT_COSINE_SCALE, HeadActivation.SOFTMAX);
    }

    static BufferedImage solid(int width, int height, Color color) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    /** Left half {@code left}, right half {@code right}. */
    static BufferedImage leftRight(int width, int height, Color left, Color right) {
        BufferedImage image = solid(width, height, right);
        Graphics2D g = image.createGraphics();
        g.setColor(left);
        g.fillRect(0, 0, width / 2, height);
        g.dispose();
        return image;
    }

    /** Top half {@code top}, bottom half {@code bottom}. */
    static BufferedImage topBottom(int width, int height, Color top, Color bottom) {
        BufferedImage image = solid(width, height, bottom);
        Graphics2D g = image.createGraphics();
        g.setColor(top);
        g.fillRect(0, 0, width, height / 2);
        g.dispose();
        return image;
    }

    /** An 8-bit grey image with a horizontal ramp from {@code from} to {@code to}. */
    static BufferedImage greyRamp(int width, int height, int from, int to) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int v = from + (to - from) * x / Math.max(1, width - 1);
                image.getRaster().setSample(x, y, 0, v);
            }
        }
        return image;
    }

    /** A two-colour palette image (what GIFs are), left red, right blue. */
    static BufferedImage indexedLeftRight(int width, int height) {
        byte[] r = {(byte) 255, 0};
        byte[] g = {0, 0};
        byte[] b = {0, (byte) 255};
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(1, 2, r, g, b));
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, x < width / 2 ? 0 : 1);
            }
        }
        return image;
    }

    /** Photo-like test image; see {@link SyntheticPhotos#photoLike}. */
    static BufferedImage photoLike(int width, int height, long seed) {
        return SyntheticPhotos.photoLike(width, height, seed);
    }

    static Path write(Path dir, String name, BufferedImage image, String format) {
        Path file = dir.resolve(name);
        try {
            if (!ImageIO.write(image, format, file.toFile())) {
                throw new IllegalStateException("no ImageIO writer for " + format + " and image type " + image.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    static float[] decode(ImageDecoder decoder, Path file, Augmentation augmentation, long seed) {
        float[] values = new float[decoder.valuesPerImage()];
        try {
            decoder.decodeInto(file, augmentation, seed, values, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return values;
    }

    /** Value of channel c at (x, y) of a CHW image of the given size. */
    static float at(float[] chw, int height, int width, int c, int y, int x) {
        return chw[(c * height + y) * width + x];
    }
}
