package dev.templatelab.training.bench;

import dev.templatelab.training.data.ImageFiles;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * TemplateLab's side of {@code bench/decode}: decodes the folders {@code decode_peer.py} wrote (JPEG, lossy and
 * lossless WebP) with {@link ImageFiles#read}, one thread, as Pillow did, and prints both speeds and how far each
 * pixel lands from Pillow's decode (the {@code .rgb} beside each file). Medians of the rounds, after one untimed
 * pass (page cache, JIT). Run through {@code bench/decode}, which writes the images and times Pillow first.
 */
public final class DecodeBench {

    private DecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Map<String, Double> pillowMs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(root.resolve("pillow.tsv"))) {
            String[] cells = line.split("\t");
            pillowMs.put(cells[0], Double.parseDouble(cells[1]));
        }
        System.out.printf(Locale.ROOT, "%-14s | %6s | %15s | %9s | %8s | %11s | %14s%n", "format", "images",
                "TemplateLab ms", "Pillow ms", "ratio", "vs its JPEG", "max/mean diff");
        Double jpegMs = null;
        for (Map.Entry<String, Double> folder : pillowMs.entrySet()) {
            List<Path> files = images(root.resolve(folder.getKey()));
            int[] maxDiff = {0};
            double[] sumDiff = {0};
            long[] samples = {0};
            for (Path f : files) {   // untimed pass, which also compares the pixels with Pillow's
                compare(ImageFiles.read(f), Files.readAllBytes(Path.of(f + ".rgb")), maxDiff, sumDiff, samples);
            }
            double[] ms = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long start = System.nanoTime();
                for (Path f : files) {
                    if (ImageFiles.read(f) == null) {
                        throw new IllegalStateException("no reader for " + f);
                    }
                }
                ms[r] = (System.nanoTime() - start) / 1e6 / files.size();
            }
            double ours = median(ms);
            if (jpegMs == null) {
                jpegMs = ours;
            }
            System.out.printf(Locale.ROOT, "%-14s | %6d | %15.2f | %9.2f | %7.2fx | %10.1fx | %6d / %5.2f%n",
                    folder.getKey(), files.size(), ours, folder.getValue(), ours / folder.getValue(), ours / jpegMs,
                    maxDiff[0], sumDiff[0] / samples[0]);
        }
        System.out.println("ratio: TemplateLab / Pillow; diff: levels (0-255) a channel against Pillow's decode");
    }

    private static List<Path> images(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> !f.toString().endsWith(".rgb")).sorted().toList();
        }
    }

    private static void compare(BufferedImage image, byte[] pillow, int[] maxDiff, double[] sumDiff, long[] samples) {
        int w = image.getWidth();
        int h = image.getHeight();
        if (pillow.length != w * h * 3) {
            throw new IllegalStateException("Pillow's decode has " + pillow.length + " bytes, not " + w + "x" + h + "x3");
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int o = 3 * (y * w + x);
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs((row[x] >> (16 - 8 * c) & 0xFF) - (pillow[o + c] & 0xFF));
                    maxDiff[0] = Math.max(maxDiff[0], d);
                    sumDiff[0] += d;
                }
            }
        }
        samples[0] += 3L * w * h;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
