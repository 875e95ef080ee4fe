package dev.templatelab.training.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.Node;

/**
 * Four-component JPEGs (CMYK, or YCCK: its YCbCr-coded form), as Photoshop and print workflows save them, decoded to
 * RGB the way Pillow decodes them, since that is what torchvision and timm users train on and what the pretrained
 * weights' preprocessing assumes. The JDK's reader does not: older Java 17 updates refuse them ("Unsupported Image
 * Type"), newer ones pass the ink through a linear-to-sRGB curve (mid-tones come out much lighter) or through an
 * embedded ICC profile, which Pillow ignores. So the raw components are read and converted here.
 */
final class CmykJpeg {

    private static final String JPEG_METADATA = "javax_imageio_jpeg_image_1.0";

    // libjpeg's fixed-point YCbCr -> RGB constants (jdcolor.c: 16 fraction bits, rounded).
    private static final int CR_R = fix(1.40200);
    private static final int CB_B = fix(1.77200);
    private static final int CR_G = fix(0.71414);
    private static final int CB_G = fix(0.34414);
    private static final int HALF = 1 << 15;

    private CmykJpeg() {
    }

    /**
     * Whether {@code reader}'s image 0 is a 4-component JPEG that the JDK would refuse or read as CMYK. Ordinary JPEGs
     * offer an RGB or grey image type first, so their metadata is never parsed.
     */
    static boolean applies(ImageReader reader) throws IOException {
        if (!reader.getFormatName().equalsIgnoreCase("jpeg")) {
            return false;
        }
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        if (types.hasNext() && types.next().getColorModel().getColorSpace().getType() != ColorSpace.TYPE_CMYK) {
            return false;
        }
        Node sof = child(markers(reader), "sof");
        return sof != null && "4".equals(attribute(sof, "numFrameComponents"));
    }

    /** Decodes the raw components (no colour conversion) to an RGB image as Pillow's {@code convert("RGB")} would. */
    static BufferedImage read(ImageReader reader) throws IOException {
        // libjpeg's rule, which Pillow follows: YCCK when an Adobe APP14 marker gives a transform other than 0 (CMYK);
        // no marker means CMYK.
        Node adobe = child(markers(reader), "app14Adobe");
        boolean ycck = adobe != null && !"0".equals(attribute(adobe, "transform"));
        Raster raw = reader.readRaster(0, reader.getDefaultReadParam());
        int w = raw.getWidth();
        int h = raw.getHeight();
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        int[] row = new int[w * 4];
        for (int y = 0; y < h; y++) {
            raw.getPixels(raw.getMinX(), raw.getMinY() + y, w, 1, row);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int c = row[4 * x];
                int m = row[4 * x + 1];
                int yellow = row[4 * x + 2];
                int k = row[4 * x + 3];
                if (ycck) {
                    // The first three are Y, Cb, Cr. libjpeg's YCCK -> CMYK: YCbCr -> RGB with its JFIF fixed-point
                    // arithmetic, then C = 255 - R, M = 255 - G, Y = 255 - B; K as stored.
                    int luma = c;
                    int cb = m - 128;
                    int cr = yellow - 128;
                    c = 255 - clamp(luma + ((CR_R * cr + HALF) >> 16));
                    m = 255 - clamp(luma + ((-CB_G * cb - CR_G * cr + HALF) >> 16));
                    yellow = 255 - clamp(luma + ((CB_B * cb + HALF) >> 16));
                }
                // Pillow reads every 4-component JPEG as Adobe-inverted ("CMYK;I": 255 is no ink), marker or not; its
                // cmyk2rgb, R = nk - C * nk / 255 with nk = 255 - K, is then R = k - (255 - c) * k / 255 here.
                bgr[o] = (byte) (k - mulDiv255(255 - yellow, k));
                bgr[o + 1] = (byte) (k - mulDiv255(255 - m, k));
                bgr[o + 2] = (byte) (k - mulDiv255(255 - c, k));
            }
        }
        return image;
    }

    /**
     * The image's marker segments in the JDK's JPEG metadata tree, or null. Null too where the metadata parser, stricter
     * than the decoder, refuses the file's marker order (a JFIF APP0 after an Exif APP1 or with an Adobe APP14): such
     * a file is then read as the JDK reads it, lighter mid-tones and all, rather than refused as damaged.
     */
    private static Node markers(ImageReader reader) {
        try {
            IIOMetadata metadata = reader.getImageMetadata(0);
            if (metadata == null || !JPEG_METADATA.equals(metadata.getNativeMetadataFormatName())) {
                return null;
            }
            return child(metadata.getAsTree(JPEG_METADATA), "markerSequence");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** a * b / 255 rounded, as Pillow's MULDIV255 computes it. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static int fix(double x) {
        return (int) (x * 65536 + 0.5);
    }

    private static Node child(Node parent, String name) {
        for (Node n = parent == null ? null : parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeName().equals(name)) {
                return n;
            }
        }
        return null;
    }

    private static String attribute(Node node, String name) {
        Node value = node.getAttributes().getNamedItem(name);
        return value == null ? null : value.getNodeValue();
    }
}
