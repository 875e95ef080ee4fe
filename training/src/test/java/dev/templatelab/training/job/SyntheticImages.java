package dev.templatelab.training.job;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Small generated images with a known answer: a coloured square on a noisy background. */
final class SyntheticImages {

    private SyntheticImages() {
    }

    static void write(Path file, Color color, boolean big, long seed) throws IOException {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int g = 60 + r.nextInt(60);
                img.setRGB(x, y, new Color(g, g, g).getRGB());
            }
        }
        Graphics2D g = img.createGraphics();
        g.setColor(color);
        int side = big ? 24 : 10;
        int at = r.nextInt(32 - side + 1);
        g.fillRect(at, r.nextInt(32 - side + 1), side, side);
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    /** {@code perClass} images of each of red, green and blue squares, one folder per colour. */
    static Path colourFolders(Path root, int perClass) throws IOException {
        Color[] colours = {Color.RED, Color.GREEN, Color.BLUE};
        String[] names = {"red", "green", "blue"};
        for (int c = 0; c < colours.length; c++) {
            for (int i = 0; i < perClass; i++) {
                write(root.resolve(names[c]).resolve(i + ".png"), colours[c], i % 2 == 0, c * 1000L + i);
            }
        }
        return root;
    }
}
