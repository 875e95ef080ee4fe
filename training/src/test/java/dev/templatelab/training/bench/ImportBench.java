package dev.templatelab.training.bench;

import dev.templatelab.training.data.DatasetImporter;
import dev.templatelab.training.data.ImportLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What checking a dataset costs at import: reading each image's header and hashing its bytes (what a trial's import
 * does while the files hash as at registration, and what every import did before imports decoded pixels) against
 * decoding every image as well (a first import). On ImageNet-sized synthetic JPEGs (about 400-500 x 300-400 px).
 * The two take turns, after one untimed pass that brings the files into the page cache; medians of the rounds.
 * Run with {@code bench/import [IMAGES, default 2000] [ROUNDS, default 3]}.
 */
public final class ImportBench {

    private ImportBench() {
    }

    public static void main(String[] args) throws Exception {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        if (images < 2 || rounds < 1) {
            System.err.println("usage: bench/import [IMAGES >= 2] [ROUNDS >= 1]");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("templatelab-import-bench");
        try {
            SyntheticPhotos.writeJpegs(dir, images, 4, 11);
            ImportLimits decode = ImportLimits.defaults();
            ImportLimits headers = decode.headersOnly();
            DatasetImporter.importFrom(dir, null, headers);   // untimed: page cache and JIT
            double[] headerSeconds = new double[rounds];
            double[] decodeSeconds = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                headerSeconds[r] = seconds(dir, headers);
                decodeSeconds[r] = seconds(dir, decode);
            }
            double h = median(headerSeconds);
            double d = median(decodeSeconds);
            System.out.printf(Locale.ROOT, "%-28s | %10s | %10s | %8s | %12s%n", "images (JPEG, ~450x350 px)",
                    "headers s", "decode s", "ratio", "decoded img/s");
            System.out.printf(Locale.ROOT, "%-28s | %10.2f | %10.2f | %7.1fx | %12.0f%n",
                    images + " on " + Runtime.getRuntime().availableProcessors() + " cores", h, d, d / h, images / d);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static double seconds(Path dir, ImportLimits limits) {
        long start = System.nanoTime();
        int kept = DatasetImporter.importFrom(dir, null, limits).dataset().records().size();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (kept == 0) {
            throw new IllegalStateException("no image was kept");
        }
        return seconds;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
