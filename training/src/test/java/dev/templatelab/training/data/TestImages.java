package dev.templatelab.training.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Small, seeded test images and archives, written with the JDK alone. */
final class TestImages {

    private TestImages() {
    }

    /** A noise image: every seed gives different bytes, so no accidental duplicates. Format: png, jpg, bmp, gif, gray. */
    static Path image(Path file, String format, long seed) {
        Random random = new Random(seed);
        return image(file, format, seed, 12 + random.nextInt(20), 12 + random.nextInt(20));
    }

    /** A noise image of the given size. */
    static Path image(Path file, String format, long seed, int width, int height) {
        Random random = new Random(seed * 31 + 7);
        boolean gray = format.equals("gray");
        BufferedImage image = new BufferedImage(width, height,
                gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        try {
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(image, gray ? "png" : format, file.toFile())) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * A 4-component JPEG holding {@code components} as they are (the JDK's writer converts no colours in a Raster),
     * with an Adobe APP14 marker giving {@code adobeTransform} (0: CMYK, 2: YCCK) spliced in after SOI, as Photoshop
     * writes one; none for a negative transform (then readers take it as CMYK).
     */
    static Path fourComponentJpeg(Path file, Raster components, int adobeTransform) {
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(jpeg)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(components, null, null), writer.getDefaultWriteParam());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        byte[] written = jpeg.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(written, 0, 2);                                       // SOI
        if (adobeTransform >= 0) {
            out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0,
                    (byte) adobeTransform});
        }
        out.write(written, 2, written.length - 2);
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Flat 16x16 blocks side by side, one for each ink (C, M, Y, K, 255 = full ink), stored as Photoshop stores them:
     * inverted (255 = no ink) and, for YCCK, those C, M, Y coded as libjpeg's encoder codes YCCK: the JFIF YCbCr of
     * R = 255 - C, G = 255 - M, B = 255 - Y (so of the inks themselves), K still inverted.
     */
    static Raster inkBlocks(boolean ycck, int[]... inks) {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16 * inks.length, 16, 4, null);
        for (int i = 0; i < inks.length; i++) {
            int[] stored = {255 - inks[i][0], 255 - inks[i][1], 255 - inks[i][2], 255 - inks[i][3]};
            if (ycck) {
                double r = inks[i][0];
                double g = inks[i][1];
                double b = inks[i][2];
                stored[0] = (int) Math.round(0.29900 * r + 0.58700 * g + 0.11400 * b);
                stored[1] = (int) Math.min(255, Math.round(-0.16874 * r - 0.33126 * g + 0.50000 * b + 128));
                stored[2] = (int) Math.min(255, Math.round(0.50000 * r - 0.41869 * g - 0.08131 * b + 128));
            }
            for (int y = 0; y < 16; y++) {
                for (int x = 16 * i; x < 16 * (i + 1); x++) {
                    raster.setPixel(x, y, stored);
                }
            }
        }
        return raster;
    }

    /** {@code root/<class>/img<i>.png} for each class and count; seeds derived from {@code seed}. */
    static Path classFolders(Path root, Map<String, Integer> counts, long seed) {
        long next = seed;
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            for (int i = 0; i < entry.getValue(); i++) {
                image(root.resolve(entry.getKey()).resolve("img" + i + ".png"), "png", next++);
            }
        }
        return root;
    }

    /** The bytes of a PNG whose header claims {@code width x height} pixels, with no pixel data to back it. */
    static byte[] pngHeaderOnly(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** A zip of the given entries in order; a name ending in '/' is a folder entry. */
    static Path zip(Path zipFile, Map<String, byte[]> entries) {
        try (OutputStream file = Files.newOutputStream(zipFile); ZipOutputStream zip = new ZipOutputStream(file)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                if (!entry.getKey().endsWith("/")) {
                    zip.write(entry.getValue());
                }
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zipFile;
    }

    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every regular file and folder under {@code dir} (not {@code dir} itself). */
    static long entriesUnder(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(p -> !p.equals(dir)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a folder tree. */
    static void copyTree(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
