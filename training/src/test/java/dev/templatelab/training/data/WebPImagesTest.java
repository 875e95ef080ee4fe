package dev.templatelab.training.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.training.data.ValidationReport.SkippedFile;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebP files (TwelveMonkeys' reader) against Pillow's decode of the same files: the fixtures in
 * {@code src/test/resources/webp} and their {@code .rgba} decodes come from {@code make_fixtures.py} there (Pillow
 * 9.4, libwebp 1.2.4), so no Python is needed here.
 */
class WebPImagesTest {

    static final int WIDTH = 32;
    static final int HEIGHT = 24;

    /**
     * Lossy WebP: TwelveMonkeys' VP8 decoder upsamples chroma by repeating each sample, libwebp (Pillow) by
     * interpolating ("fancy" upsampling), so colour edges differ; grey images agree within a few levels. Measured on
     * these noisy fixtures: max 17 (lossy-rgb) and 35 (lossy-rgba), mean 2.69 and 2.63 levels a channel; the bounds
     * leave a little room, no more.
     */
    static final int LOSSY_MAX_DIFFERENCE = 40;
    static final double LOSSY_MEAN_DIFFERENCE = 3.0;

    @TempDir
    Path temp;

    @Test
    void losslessWebPDecodesExactlyAsPillowDecodesIt() throws IOException {
        for (String name : new String[] {"lossless-rgb", "lossless-rgba"}) {
            BufferedImage image = ImageFiles.read(fixture(temp, name + ".webp"));

            assertThat(image).as(name).isNotNull();
            assertThat(argb(image)).as(name).isEqualTo(pillowRgba(name));
        }
    }

    @Test
    void lossyWebPDecodesWithinAFewLevelsOfPillow() throws IOException {
        for (String name : new String[] {"lossy-rgb", "lossy-rgba"}) {
            byte[] actual = argb(ImageFiles.read(fixture(temp, name + ".webp")));
            byte[] expected = pillowRgba(name);

            int max = 0;
            long sum = 0;
            for (int i = 0; i < expected.length; i++) {
                int d = Math.abs((actual[i] & 0xFF) - (expected[i] & 0xFF));
                max = Math.max(max, d);
                sum += d;
            }
            double mean = sum / (double) expected.length;
            for (int i = 3; i < expected.length; i += 4) {
                assertThat(actual[i]).as(name + " alpha, as Pillow").isEqualTo(expected[i]);
            }
            System.out.printf("%s vs Pillow: max %d, mean %.3f levels%n", name, max, mean);
            assertThat(max).as(name + " max difference").isLessThanOrEqualTo(LOSSY_MAX_DIFFERENCE);
            assertThat(mean).as(name + " mean difference").isLessThanOrEqualTo(LOSSY_MEAN_DIFFERENCE);
        }
    }

    @Test
    void theImportKeepsWebPImagesAndNamesACutOffOne() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 2, "b", 2), 40);
        Files.copy(fixture(temp, "lossless-rgb.webp"), root.resolve("a/lossless.webp"));
        Files.copy(fixture(temp, "lossy-rgb.webp"), root.resolve("a/lossy.webp"));
        Files.copy(fixture(temp, "lossless-rgba.webp"), root.resolve("b/alpha.webp"));
        Files.copy(fixture(temp, "lossy-rgba.webp"), root.resolve("b/lossy-alpha.webp"));

        ImportResult clean = DatasetImporter.importFrom(root, temp.resolve("work1"), ImportLimits.defaults());

        assertThat(clean.dataset().records()).extracting(r -> r.file().getFileName().toString())
                .contains("lossless.webp", "lossy.webp", "alpha.webp", "lossy-alpha.webp");
        assertThat(clean.report().isClean()).as(clean.report().lines().toString()).isTrue();

        for (String name : new String[] {"lossless-rgb", "lossy-rgb"}) {
            byte[] bytes = Files.readAllBytes(fixture(temp, name + ".webp"));
            Files.write(root.resolve("b/cut-" + name + ".webp"), Arrays.copyOf(bytes, bytes.length / 2));
        }

        ImportResult cut = DatasetImporter.importFrom(root, temp.resolve("work2"), ImportLimits.defaults());

        assertThat(cut.dataset().records()).extracting(r -> r.file().getFileName().toString())
                .contains("lossless.webp", "lossy.webp", "alpha.webp", "lossy-alpha.webp")
                .doesNotContain("cut-lossless-rgb.webp", "cut-lossy-rgb.webp");
        Map<String, String> reasons = new LinkedHashMap<>();
        for (SkippedFile s : cut.report().skipped()) {
            reasons.put(s.file().getFileName().toString(), s.reason());
        }
        assertThat(reasons).containsOnlyKeys("cut-lossless-rgb.webp", "cut-lossy-rgb.webp");
        assertThat(reasons.values()).allSatisfy(r -> assertThat(r).contains("the file is cut off").contains("copy it again"));
    }

    /** Copies fixture {@code name} from the test resources into {@code dir}. */
    /**
     * ImageFiles registers the WebP reader itself, so a registry that never found it on the class path (ImageIO first
     * used from a thread whose class loader cannot see the application's jars) still reads WebP.
     */
    @Test
    void imageFilesRegistersTheWebPReaderItself() throws IOException {
        Path file = fixture(temp, "lossless-rgb.webp");
        ImageFiles.read(file);   // ImageFiles' class set up
        IIORegistry registry = IIORegistry.getDefaultInstance();
        List<ImageReaderSpi> webp = new ArrayList<>();
        registry.getServiceProviders(ImageReaderSpi.class,
                spi -> Arrays.asList(((ImageReaderSpi) spi).getFormatNames()).contains("webp"), false)
                .forEachRemaining(webp::add);
        assertThat(webp).as("WebP readers registered").isNotEmpty();
        try {
            webp.forEach(spi -> registry.deregisterServiceProvider(spi, ImageReaderSpi.class));
            assertThat(ImageFiles.problem(file, ImportLimits.defaults())).as("without a WebP reader")
                    .startsWith("not a JPEG");

            ImageFiles.registerWebP();

            assertThat(ImageFiles.problem(file, ImportLimits.defaults())).isNull();
        } finally {
            webp.forEach(spi -> registry.registerServiceProvider(spi, ImageReaderSpi.class));
        }
    }

    static Path fixture(Path dir, String name) {
        try (InputStream in = WebPImagesTest.class.getResourceAsStream("/webp/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource webp/" + name);
            }
            Path file = dir.resolve(name);
            if (!Files.exists(file)) {
                Files.copy(in, file);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pillow's {@code convert("RGBA")} of fixture {@code name}: R, G, B, A a pixel, row-major. */
    static byte[] pillowRgba(String name) {
        try (InputStream in = WebPImagesTest.class.getResourceAsStream("/webp/" + name + ".rgba")) {
            byte[] rgba = in.readAllBytes();
            assertThat(rgba).hasSize(WIDTH * HEIGHT * 4);
            return rgba;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The image as R, G, B, A bytes (non-premultiplied, as getRGB gives them), row-major. */
    static byte[] argb(BufferedImage image) {
        assertThat(image.getWidth()).isEqualTo(WIDTH);
        assertThat(image.getHeight()).isEqualTo(HEIGHT);
        byte[] out = new byte[WIDTH * HEIGHT * 4];
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                int p = image.getRGB(x, y);
                int i = (y * WIDTH + x) * 4;
                out[i] = (byte) (p >> 16);
                out[i + 1] = (byte) (p >> 8);
                out[i + 2] = (byte) p;
                out[i + 3] = (byte) (p >>> 24);
            }
        }
        return out;
    }
}
