package dev.templatelab.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {

    private static final int CMYK = 0;
    private static final int YCCK = 2;
    private static final int NO_ADOBE_MARKER = -1;   // CMYK; Pillow still takes it as Adobe-inverted

    // Inks (C, M, Y, K; 255 = full ink) and the RGB Pillow's convert("RGB") gives for them.
    private static final int[][] INKS = {{255, 0, 0, 0}, {0, 255, 0, 0}, {0, 0, 255, 0}, {55, 105, 155, 127},
            {0, 0, 0, 0}};
    private static final int[][] PILLOW_RGB = {{0, 255, 255}, {255, 0, 255}, {255, 255, 0}, {100, 75, 50},
            {255, 255, 255}};

    @TempDir
    Path temp;

    /**
     * The JDK refuses these (older Java 17 updates) or reads them with a linear-to-sRGB curve ({100, 75, 50} reads as
     * about {168, 148, 123}); each flat block must read as Pillow reads it, give or take JPEG's rounding.
     */
    @Test
    void cmykAndYcckJpegsDecodeToThePillowRgbOfTheirInks() throws IOException {
        for (int transform : List.of(CMYK, YCCK, NO_ADOBE_MARKER)) {
            Path file = TestImages.fourComponentJpeg(temp.resolve("inks" + transform + ".jpg"),
                    TestImages.inkBlocks(transform == YCCK, INKS), transform);

            BufferedImage image = ImageFiles.read(file);

            assertThat(image.getWidth()).isEqualTo(16 * INKS.length);
            assertThat(image.getHeight()).isEqualTo(16);
            for (int i = 0; i < INKS.length; i++) {
                for (int y = 0; y < 16; y++) {
                    for (int x = 16 * i; x < 16 * (i + 1); x++) {
                        int rgb = image.getRGB(x, y);
                        int[] actual = {rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF};
                        for (int c = 0; c < 3; c++) {
                            assertThat(actual[c]).as("transform %d, ink %s at (%d, %d): %s", transform,
                                    Arrays.toString(INKS[i]), x, y, Arrays.toString(actual))
                                    .isBetween(PILLOW_RGB[i][c] - 3, PILLOW_RGB[i][c] + 3);
                        }
                    }
                }
            }
        }
    }

    @Test
    void theImportKeepsCmykAndYcckJpegs() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 2, "b", 2), 30);
        TestImages.fourComponentJpeg(root.resolve("a/cmyk.jpg"), noise(64, 48, 31), CMYK);
        TestImages.fourComponentJpeg(root.resolve("b/ycck.jpg"), noise(64, 48, 32), YCCK);

        ImportResult result = DatasetImporter.importFrom(root, temp.resolve("work"), ImportLimits.defaults());

        assertThat(result.dataset().records()).extracting(r -> r.file().getFileName().toString())
                .contains("cmyk.jpg", "ycck.jpg");
        assertThat(result.report().isClean()).as(result.report().lines().toString()).isTrue();
    }

    /**
     * The JDK's metadata parser refuses a JFIF APP0 after another marker, or beside an Adobe APP14, where its decoder
     * reads the file: such a CMYK file is still an image (read as the JDK reads it), not "damaged pixel data".
     */
    @Test
    void aCmykJpegWhoseMarkersTheMetadataParserRefusesIsStillAnImage() throws IOException {
        byte[] jfif = {(byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
        byte[] exif = {(byte) 0xFF, (byte) 0xE1, 0, 8, 'E', 'x', 'i', 'f', 0, 0};
        byte[] whole = Files.readAllBytes(TestImages.fourComponentJpeg(temp.resolve("plain.jpg"),
                TestImages.inkBlocks(false, INKS), CMYK));
        for (byte[] inserted : List.of(jfif, concat(exif, jfif))) {
            Path file = Files.write(temp.resolve("markers" + inserted.length + ".jpg"),
                    concat(Arrays.copyOf(whole, 2), inserted, Arrays.copyOfRange(whole, 2, whole.length)));

            assertThat(ImageFiles.problem(file, ImportLimits.defaults())).as("%d bytes inserted", inserted.length)
                    .isNull();
            BufferedImage image = ImageFiles.read(file);
            assertThat(image.getWidth()).isEqualTo(16 * INKS.length);
            assertThat(image.getHeight()).isEqualTo(16);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The JPEG reader warns of a cut-off file in a Raster read too. */
    @Test
    void aCmykJpegCutOffInItsPixelDataIsStillCutOff() throws IOException {
        for (int transform : List.of(CMYK, YCCK)) {
            Path whole = TestImages.fourComponentJpeg(temp.resolve("whole" + transform + ".jpg"), noise(64, 48, 33),
                    transform);
            byte[] bytes = Files.readAllBytes(whole);
            Path cut = Files.write(temp.resolve("cut" + transform + ".jpg"), Arrays.copyOf(bytes, bytes.length / 2));

            assertThat(ImageFiles.problem(whole, ImportLimits.defaults())).isNull();
            assertThat(ImageFiles.problem(cut, ImportLimits.defaults())).contains("the file is cut off");
            assertThatThrownBy(() -> ImageFiles.read(cut)).isInstanceOf(IOException.class)
                    .hasMessageContaining("the file is cut off");
        }
    }

    /** Only 4-component JPEGs take the new path: everything else decodes as ImageIO.read decodes it, bit for bit. */
    @Test
    void otherImagesDecodeExactlyAsImageIoReadsThem() throws IOException {
        for (String format : List.of("jpg", "gray", "png", "bmp", "gif")) {
            Path file = TestImages.image(temp.resolve("noise-" + format), format, 34, 40, 30);

            BufferedImage ours = ImageFiles.read(file);
            BufferedImage imageIo = ImageIO.read(file.toFile());

            assertThat(ours.getType()).as(format).isEqualTo(imageIo.getType());
            assertThat(ours.getColorModel()).as(format).isEqualTo(imageIo.getColorModel());
            assertThat(ours.getRaster().getDataElements(0, 0, 40, 30, null))
                    .as(format).isEqualTo(imageIo.getRaster().getDataElements(0, 0, 40, 30, null));
        }
    }

    /** Random stored components: enough entropy-coded data that half the file ends inside it. */
    private static Raster noise(int width, int height, long seed) {
        Random random = new Random(seed);
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                raster.setPixel(x, y, new int[] {random.nextInt(256), random.nextInt(256), random.nextInt(256),
                        random.nextInt(256)});
            }
        }
        return raster;
    }
}
