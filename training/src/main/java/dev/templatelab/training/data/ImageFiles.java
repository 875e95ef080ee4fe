package dev.templatelab.training.data;

import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.stream.ImageInputStream;

/**
 * Reading image files the one way the import, training and prediction share. The import checks each file (one of
 * the five formats, a size within the pixel limit, pixel data that decodes to the end) so that a file cut off after
 * its header (a partial download or copy) is listed and skipped there, not met by each trial at the first batch
 * that holds it; training and prediction then decode with the same calls.
 */
public final class ImageFiles {

    private static final Set<String> SUPPORTED_FORMATS = Set.of("jpeg", "png", "bmp", "gif", "webp");

    /** The formats read, as messages and help texts name them. */
    public static final String FORMAT_NAMES = "JPEG, PNG, BMP, GIF or WebP";

    /**
     * What the JPEG reader warns when the file ends before its end-of-image marker. It decodes such a file anyway,
     * filling the missing rows with grey; other JPEG warnings (extraneous bytes between segments, an ignored ICC
     * profile) are common in camera files that decode completely, so they do not count.
     */
    private static final String JPEG_CUT_OFF_WARNING = "Truncated File";

    static {
        registerWebP();
    }

    private ImageFiles() {
    }

    /**
     * Registers the WebP reader with ImageIO by name. ImageIO finds plugins through the context class loader of the
     * thread that first uses it, and one that cannot see the application's jars (a common-pool thread in the packaged
     * app) would leave WebP out without a word. Registering it again does no harm.
     */
    static void registerWebP() {
        IIORegistry.getDefaultInstance().registerServiceProvider(new WebPImageReaderSpi());
    }

    /**
     * Decodes {@code file} as {@code ImageIO.read} does (any format ImageIO reads; null when none does), except that a
     * JPEG cut off before its end marker is an error rather than an image with grey rows, and that a CMYK or YCCK
     * JPEG decodes to RGB as Pillow decodes it ({@link CmykJpeg}).
     */
    public static BufferedImage read(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot open " + file);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return decode(reader);
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * Why {@code file} is not a usable image, or null when it is. The header is read first, so a small file claiming
     * gigapixels is refused before anything allocates its pixels; the pixels only if the limits ask for it.
     */
    static String problem(Path file, ImportLimits limits) {
        try {
            if (Files.size(file) == 0) {
                return "empty file (0 bytes)";
            }
        } catch (IOException e) {
            return "unreadable file (" + e.getMessage() + ")";
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                return "unreadable file";
            }
            ImageReader reader = supportedReader(ImageIO.getImageReaders(in));
            if (reader == null) {
                return "not a " + FORMAT_NAMES + " image";
            }
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    return "image header gives an invalid size " + width + "x" + height;
                }
                long pixels = (long) width * height;
                if (pixels > limits.maxImagePixels()) {
                    return "image is " + width + "x" + height + " = " + pixels + " pixels, over the limit of "
                            + limits.maxImagePixels() + " (decompression bomb guard); downscale it";
                }
                return limits.decodePixels() ? pixelProblem(reader) : null;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // Image plugins throw unchecked exceptions on some corrupt headers; both mean the same to a user.
            return "unreadable or corrupt image (" + describe(e) + ")";
        }
    }

    /** Decodes the image with the calls {@link #read} makes. */
    private static String pixelProblem(ImageReader reader) {
        try {
            decode(reader);
            return null;
        } catch (CutOffException e) {
            return e.getMessage() + "; copy it again from its source";
        } catch (IOException | RuntimeException e) {
            return "damaged pixel data (" + describe(e) + "): the header reads but the image does not decode; the file "
                    + "is probably cut off or corrupt, copy it again from its source";
        }
    }

    private static BufferedImage decode(ImageReader reader) throws IOException {
        if (webPCutOff(reader)) {
            throw new CutOffException("the file is cut off (the WebP is shorter than its RIFF header says: the rest of"
                    + " the image is missing)");
        }
        boolean[] cutOff = {false};
        reader.addIIOReadWarningListener((source, warning) -> cutOff[0] |= warning.startsWith(JPEG_CUT_OFF_WARNING));
        BufferedImage image = CmykJpeg.applies(reader) ? CmykJpeg.read(reader)
                : reader.read(0, reader.getDefaultReadParam());
        if (cutOff[0]) {
            throw new CutOffException();
        }
        return image;
    }

    /** A JPEG that ends before its end marker, or a WebP shorter than its RIFF size. */
    private static final class CutOffException extends IOException {
        CutOffException() {
            this("the file is cut off (the JPEG ends before its end marker, so the rest of the image would be grey)");
        }

        CutOffException(String message) {
            super(message);
        }
    }

    /**
     * Whether the reader's input is a WebP file shorter than the size its RIFF header gives. TwelveMonkeys' reader
     * decodes a lossless WebP cut off half-way without an error, the missing pixels black (Pillow refuses it); the
     * RIFF size (bytes 4-7, little-endian, counting from byte 8) says how long the file should be.
     */
    private static boolean webPCutOff(ImageReader reader) throws IOException {
        if (!"webp".equalsIgnoreCase(reader.getFormatName()) || !(reader.getInput() instanceof ImageInputStream in)) {
            return false;
        }
        long length = in.length();
        if (length < 0) {
            return false;   // unknown (not a file): nothing to compare with
        }
        in.mark();
        try {
            in.seek(4);
            ByteOrder order = in.getByteOrder();
            in.setByteOrder(ByteOrder.LITTLE_ENDIAN);
            long riffSize = in.readUnsignedInt();
            in.setByteOrder(order);
            return 8 + riffSize > length;
        } finally {
            in.reset();
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static ImageReader supportedReader(Iterator<ImageReader> readers) {
        // ImageIO also sniffs TIFF and WBMP (whose check accepts almost any bytes), so only our five formats count.
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            String format;
            try {
                format = reader.getFormatName().toLowerCase(Locale.ROOT);
            } catch (IOException e) {
                format = "";
            }
            if (SUPPORTED_FORMATS.contains(format)) {
                return reader;
            }
            reader.dispose();
        }
        return null;
    }
}
