package dev.templatelab.training.data;

import java.awt.image.BufferedImage;
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
import javax.imageio.ImageIO;

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
