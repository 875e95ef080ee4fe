package dev.templatelab.training.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Photo-like synthetic images for measuring the input pipeline without shipping a photo dataset: smooth
 * gradients, a few ellipses and mild noise, so a JPEG of one is about as costly to decode as a real photo
 * of the same size (noise would be slower, flat colour faster).
 */
public final class SyntheticPhotos {

    private SyntheticPhotos() {
    }

    public static BufferedImage photoLike(int width, int height, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int r0 = random.nextInt(256);
        int g0 = random.nextInt(256);
        int b0 = random.nextInt(256);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = (r0 + x * 128 / width) & 0xFF;
                int g = (g0 + y * 128 / height) & 0xFF;
                int b = (b0 + (x + y) * 64 / (width + height)) & 0xFF;
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        Graphics2D g = image.createGraphics();
        for (int i = 0; i < 6; i++) {
            g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
            g.fillOval(random.nextInt(width), random.nextInt(height), 1 + random.nextInt(width / 2 + 1),
                    1 + random.nextInt(height / 2 + 1));
        }
        g.dispose();
        for (int i = 0; i < width * height / 20; i++) {
            int x = random.nextInt(width);
            int y = random.nextInt(height);
            image.setRGB(x, y, image.getRGB(x, y) ^ random.nextInt(0x101010));
        }
        return image;
    }

    /**
     * Writes {@code count} JPEGs of ImageNet-like sizes (about 400-500 x 300-400 px, the ImageNet training
     * set's typical size) into {@code dir}, in {@code classes} class folders, and returns their paths.
     */
    public static List<Path> writeJpegs(Path dir, int count, int classes, long seed) throws IOException {
        Random random = new Random(seed);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path classDir = dir.resolve("class" + (i % classes));
            java.nio.file.Files.createDirectories(classDir);
            Path file = classDir.resolve("photo" + i + ".jpg");
            ImageIO.write(photoLike(400 + random.nextInt(101), 300 + random.nextInt(101), seed + i), "jpg", file.toFile());
            files.add(file);
        }
        return files;
    }
}
