package dev.templatelab.training.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebP through training's decoder: transparency is composited on white exactly as for a PNG with the same pixels
 * (the PNG reader's 8-bit RGBA, built here from Pillow's decode of the fixture), and a cut-off file is refused.
 */
class WebPDecodeTest {

    @TempDir
    Path temp;

    @Test
    void webPAlphaIsCompositedOnWhiteAsPngAlphaIs() throws IOException {
        Path webp = fixture("lossless-rgba.webp");
        BufferedImage pillow = fourByteAbgr(resource("lossless-rgba.rgba"), 32, 24);

        SourceImage fromWebP = ImageDecoder.read(webp);
        SourceImage asPng = ImageDecoder.toSource(pillow);

        assertThat(fromWebP.channels()).isEqualTo(3);
        assertThat(fromWebP.samples()).isEqualTo(asPng.samples());
        // The fixture fades from opaque (left) to transparent (right): the right edge is white.
        assertThat(fromWebP.samples()[(31) * 3]).isEqualTo((byte) 255);
    }

    @Test
    void refusesAWebPCutOffHalfWay() throws IOException {
        byte[] bytes = Files.readAllBytes(fixture("lossless-rgb.webp"));
        Path cut = Files.write(temp.resolve("cut.webp"), Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(() -> ImageDecoder.read(cut)).isInstanceOf(IOException.class)
                .hasMessageContaining("cut.webp").hasMessageContaining("the file is cut off");
    }

    /** What the PNG reader returns for 8-bit RGBA: interleaved A, B, G, R bytes, not premultiplied. */
    private static BufferedImage fourByteAbgr(byte[] rgba, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_4BYTE_ABGR);
        byte[] abgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < width * height; i++) {
            abgr[4 * i] = rgba[4 * i + 3];
            abgr[4 * i + 1] = rgba[4 * i + 2];
            abgr[4 * i + 2] = rgba[4 * i + 1];
            abgr[4 * i + 3] = rgba[4 * i];
        }
        return image;
    }

    private Path fixture(String name) throws IOException {
        return Files.write(temp.resolve(name), resource(name));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = WebPDecodeTest.class.getResourceAsStream("/webp/" + name)) {
            return in.readAllBytes();
        }
    }
}
