package dev.templatelab.training.data;

import dev.templatelab.training.FileErrors;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/** Small datasets bundled with TemplateLab, so a first run needs no download. */
public final class SampleDatasets {

    private static final String MNIST_RESOURCE = "mnist-sample.bin.gz";
    private static final int MNIST_MAGIC = 0x544C4D31; // "TLM1", see training/src/build/MnistToResource.java
    /** Written last, so its presence means every PNG before it was written completely. Hidden: not imported. */
    private static final String COMPLETE_MARKER = ".mnist-complete";

    private SampleDatasets() {
    }

    /**
     * Writes the 10,000 bundled MNIST digits (MNIST-LICENSE.txt) as {@code targetDir/<digit>/NNNNN.png}, reusing a
     * complete earlier copy (completing an interrupted one), and imports them: classes "0".."9", 28x28 grayscale.
     * A folder holding anything else is refused: the digits would be mixed into it, and its other files into the
     * dataset.
     */
    public static ImageDataset mnist(Path targetDir) {
        if (Files.exists(targetDir) && !Files.isDirectory(targetDir)) {
            throw new DatasetException(targetDir + " is a file; give a folder to write the MNIST sample into");
        }
        try {
            String other = Files.isDirectory(targetDir) ? notOfTheSample(targetDir) : null;
            if (other != null) {
                throw new DatasetException(targetDir + " is not empty (" + other + ") and not an earlier copy of the "
                        + "MNIST sample; give a new or empty folder");
            }
            Digits digits = readMnist();   // once the folder may take them
            Files.createDirectories(targetDir);
            Path marker = targetDir.resolve(COMPLETE_MARKER);
            String expected = "TLM1 " + digits.count() + "\n";
            if (!isComplete(targetDir, marker, expected, digits)) {
                Files.deleteIfExists(marker);
                writePngs(targetDir, digits);
                Files.writeString(marker, expected);
            }
        } catch (IOException e) {
            throw new DatasetException("cannot write the MNIST sample into " + targetDir + ": " + FileErrors.reason(e), e);
        }
        return DatasetImporter.importFrom(targetDir, targetDir, ImportLimits.defaults()).dataset();
    }

    private static final Pattern DIGIT_FOLDER = Pattern.compile("[0-9]");
    private static final Pattern DIGIT_FILE = Pattern.compile("[0-9]{5}\\.png");

    /**
     * The first entry of {@code dir} that an earlier copy of the sample, complete or interrupted, would not hold (the
     * marker, folders 0..9 of NNNNN.png files), or null if there is none.
     */
    private static String notOfTheSample(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.sorted().toList()) {
                String name = entry.getFileName().toString();
                if (name.equals(COMPLETE_MARKER) && Files.isRegularFile(entry)) {
                    continue;
                }
                if (!DIGIT_FOLDER.matcher(name).matches() || !Files.isDirectory(entry)) {
                    return name;
                }
                try (Stream<Path> files = Files.list(entry)) {
                    Optional<Path> stranger = files.filter(f -> !DIGIT_FILE.matcher(f.getFileName().toString()).matches()
                            || !Files.isRegularFile(f)).sorted().findFirst();
                    if (stranger.isPresent()) {
                        return dir.relativize(stranger.get()).toString();
                    }
                }
            }
        }
        return null;
    }

    /** The decoded resource: {@code count} images of rows x cols bytes, one label each. */
    private record Digits(int count, int rows, int cols, byte[] labels, byte[] pixels) {
    }

    private static Digits readMnist() {
        try (InputStream resource = SampleDatasets.class.getResourceAsStream(MNIST_RESOURCE)) {
            if (resource == null) {
                throw new IllegalStateException("resource " + MNIST_RESOURCE + " is missing from the training jar");
            }
            DataInputStream in = new DataInputStream(new GZIPInputStream(resource, 1 << 16));
            if (in.readInt() != MNIST_MAGIC) {
                throw new IllegalStateException("resource " + MNIST_RESOURCE + " has an unknown format");
            }
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            byte[] labels = new byte[count];
            byte[] pixels = new byte[count * rows * cols];
            for (int i = 0; i < count; i++) {
                labels[i] = in.readByte();
                in.readFully(pixels, i * rows * cols, rows * cols);
            }
            return new Digits(count, rows, cols, labels, pixels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + MNIST_RESOURCE, e);
        }
    }

    private static Path pngPath(Path targetDir, Digits digits, int index) {
        return targetDir.resolve(Integer.toString(digits.labels()[index])).resolve(String.format("%05d.png", index));
    }

    private static boolean isComplete(Path targetDir, Path marker, String expected, Digits digits) throws IOException {
        if (!Files.isRegularFile(marker) || !Files.readString(marker).equals(expected)) {
            return false;
        }
        for (int i = 0; i < digits.count(); i++) {
            Path png = pngPath(targetDir, digits, i);
            if (!Files.isRegularFile(png) || Files.size(png) == 0) {
                return false;
            }
        }
        return true;
    }

    private static void writePngs(Path targetDir, Digits digits) throws IOException {
        int size = digits.rows() * digits.cols();
        for (int digit = 0; digit < 10; digit++) {
            Files.createDirectories(targetDir.resolve(Integer.toString(digit)));
        }
        for (int i = 0; i < digits.count(); i++) {
            BufferedImage image = new BufferedImage(digits.cols(), digits.rows(), BufferedImage.TYPE_BYTE_GRAY);
            byte[] raster = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            System.arraycopy(digits.pixels(), i * size, raster, 0, size);
            if (!ImageIO.write(image, "png", pngPath(targetDir, digits, i).toFile())) {
                throw new IllegalStateException("this Java runtime has no PNG writer");
            }
        }
    }
}
