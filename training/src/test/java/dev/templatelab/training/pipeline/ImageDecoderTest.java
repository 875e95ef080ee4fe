package dev.templatelab.training.pipeline;

import static dev.templatelab.training.pipeline.TestImages.RAW;
import static dev.templatelab.training.pipeline.TestImages.at;
import static dev.templatelab.training.pipeline.TestImages.decode;
import static dev.templatelab.training.pipeline.TestImages.spec;
import static dev.templatelab.training.pipeline.TestImages.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.templatelab.architectures.DataConfig;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ImageDecoderTest {

    private static final Color RED = new Color(255, 0, 0);
    private static final Color BLUE = new Color(0, 0, 255);

    @TempDir
    Path dir;

    @Test
    void decodesToOneByChannelsByHeightByWidth() throws IOException {
        Path jpeg = write(dir, "a.jpg", TestImages.photoLike(90, 70, 1), "jpg");

        INDArray rgb = ImageDecoder.decode(jpeg, spec(2, 32, 40, 3), DataConfig.imagenet(224));
        INDArray grey = ImageDecoder.decode(jpeg, spec(2, 48, 36, 1), DataConfig.imagenet(224));

        assertThat(rgb.shape()).containsExactly(1, 3, 32, 40);
        assertThat(rgb.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(grey.shape()).containsExactly(1, 1, 48, 36);
    }

    @Test
    void normalisesAKnownPixelInRgbOrder() throws IOException {
        Path png = write(dir, "split.png", TestImages.leftRight(40, 32, new Color(200, 100, 50), BLUE), "png");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 3), DataConfig.imagenet(224));

        float[] v = decode(decoder, png, Augmentation.none(), 0);

        // Same size as the input: no resampling, so the left pixel is exactly (200, 100, 50).
        assertThat(at(v, 32, 40, 0, 5, 3)).isCloseTo((float) ((200 - 123.675) / 58.395), within(1e-6f));
        assertThat(at(v, 32, 40, 1, 5, 3)).isCloseTo((float) ((100 - 116.28) / 57.12), within(1e-6f));
        assertThat(at(v, 32, 40, 2, 5, 3)).isCloseTo((float) ((50 - 103.53) / 57.375), within(1e-6f));
        assertThat(at(v, 32, 40, 2, 5, 30)).isCloseTo((float) ((255 - 103.53) / 57.375), within(1e-6f));
    }

    @Test
    void putsBlueFirstForBgrConfigs() throws IOException {
        Path png = write(dir, "split.png", TestImages.leftRight(40, 32, new Color(200, 100, 50), BLUE), "png");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 3), TestImages.CADENE_BGR);

        float[] v = decode(decoder, png, Augmentation.none(), 0);

        // Cadene BN-Inception: channel 0 is blue minus 104, channel 2 is red minus 128.
        assertThat(at(v, 32, 40, 0, 0, 0)).isEqualTo(50f - 104f);
        assertThat(at(v, 32, 40, 1, 0, 0)).isEqualTo(100f - 117f);
        assertThat(at(v, 32, 40, 2, 0, 0)).isEqualTo(200f - 128f);
        assertThat(at(v, 32, 40, 0, 31, 39)).isEqualTo(255f - 104f);
    }

    @Test
    void resizingKeepsAFlatColourFlat() throws IOException {
        Path png = write(dir, "flat.png", TestImages.solid(123, 77, new Color(10, 128, 250)), "png");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 3), RAW);

        float[] v = decode(decoder, png, Augmentation.none(), 0);

        for (int i = 0; i < 32 * 40; i++) {
            assertThat(v[i]).isCloseTo(10f, within(1e-3f));
            assertThat(v[32 * 40 + i]).isCloseTo(128f, within(1e-3f));
            assertThat(v[2 * 32 * 40 + i]).isCloseTo(250f, within(1e-3f));
        }
    }

    @Test
    void shrinkingAveragesInsteadOfAliasing() {
        // Black/white noise shrunk 8x: the widened filter averages ~16x16 pixels (std ~11), plain bilinear
        // or point sampling only 2x2 or 1 (std 64 or 128).
        java.util.Random random = new java.util.Random(3);
        byte[] samples = new byte[256 * 256];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (byte) (random.nextBoolean() ? 255 : 0);
        }
        Pixels small = Resampler.resample(new SourceImage(256, 256, 1, samples), 0, 0, 256, 256, 32, 32);

        double sum = 0;
        double sumSquares = 0;
        for (float v : small.data()) {
            sum += v;
            sumSquares += v * v;
        }
        double mean = sum / small.data().length;
        double std = Math.sqrt(sumSquares / small.data().length - mean * mean);
        assertThat(mean).isCloseTo(127.5, within(5.0));
        assertThat(std).isLessThan(20.0);
    }

    @Test
    void replicatesGreyToThreeEqualChannels() throws IOException {
        Path png = write(dir, "grey.png", TestImages.greyRamp(40, 32, 20, 220), "png");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 3), RAW);

        float[] v = decode(decoder, png, Augmentation.none(), 0);

        int plane = 32 * 40;
        for (int i = 0; i < plane; i++) {
            assertThat(v[plane + i]).isEqualTo(v[i]);
            assertThat(v[2 * plane + i]).isEqualTo(v[i]);
        }
        // Stored grey levels come through unchanged (no linear-grey gamma shift).
        assertThat(at(v, 32, 40, 0, 0, 0)).isEqualTo(20f);
        assertThat(at(v, 32, 40, 0, 0, 39)).isEqualTo(220f);
    }

    @Test
    void reducesColourToLumaForOneChannelInputs() throws IOException {
        Path png = write(dir, "flat.png", TestImages.solid(40, 32, new Color(200, 100, 50)), "png");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 1), RAW);

        float[] v = decode(decoder, png, Augmentation.none(), 0);

        assertThat(v).hasSize(32 * 40);
        assertThat(v[0]).isCloseTo(0.299f * 200 + 0.587f * 100 + 0.114f * 50, within(1e-3f));
    }

    @Test
    void compositesTransparencyOnWhite() throws IOException {
        BufferedImage argb = new BufferedImage(40, 32, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 40; x++) {
                // Left: fully transparent red; right: half-transparent black.
                argb.setRGB(x, y, x < 20 ? 0x00FF0000 : 0x80000000);
            }
        }
        Path png = write(dir, "alpha.png", argb, "png");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 3), RAW);

        float[] v = decode(decoder, png, Augmentation.none(), 0);

        for (int c = 0; c < 3; c++) {
            assertThat(at(v, 32, 40, c, 10, 5)).isEqualTo(255f);
            assertThat(at(v, 32, 40, c, 10, 30)).isEqualTo(127f); // 255 * (1 - 128/255), rounded
        }
    }

    @Test
    void readsGifAndBmp() throws IOException {
        Path gif = write(dir, "split.gif", TestImages.indexedLeftRight(40, 32), "gif");
        Path bmp = write(dir, "split.bmp", TestImages.leftRight(40, 32, RED, BLUE), "bmp");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 3), RAW);

        for (Path file : new Path[] {gif, bmp}) {
            float[] v = decode(decoder, file, Augmentation.none(), 0);
            assertThat(at(v, 32, 40, 0, 16, 0)).as(file + " left red").isEqualTo(255f);
            assertThat(at(v, 32, 40, 2, 16, 0)).as(file + " left blue").isEqualTo(0f);
            assertThat(at(v, 32, 40, 0, 16, 39)).as(file + " right red").isEqualTo(0f);
            assertThat(at(v, 32, 40, 2, 16, 39)).as(file + " right blue").isEqualTo(255f);
        }
    }

    @Test
    void namesTheFileItCannotDecode() throws IOException {
        Path text = Files.writeString(dir.resolve("not-an-image.jpg"), "hello");
        Path missing = dir.resolve("missing.png");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 32, 3), RAW);

        assertThatThrownBy(() -> decoder.decode(text)).isInstanceOf(IOException.class)
                .hasMessageContaining("not-an-image.jpg");
        assertThatThrownBy(() -> decoder.decode(missing)).isInstanceOf(IOException.class)
                .hasMessageContaining("missing.png");
    }

    /** ImageIO decodes a JPEG cut off short with grey rows and only a warning; training and prediction refuse it. */
    @Test
    void refusesAJpegCutOffBeforeItsEnd() throws IOException {
        Path whole = write(dir, "whole.jpg", TestImages.photoLike(64, 48, 3), "jpg");
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("cut.jpg"), java.util.Arrays.copyOf(bytes, bytes.length * 2 / 3));
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 32, 3), RAW);

        decoder.decode(whole);
        assertThatThrownBy(() -> decoder.decode(cut)).isInstanceOf(IOException.class)
                .hasMessageContaining("cut.jpg").hasMessageContaining("the file is cut off");
    }

    @Test
    void flipsHorizontallyWithProbabilityOne() throws IOException {
        Path png = write(dir, "split.png", TestImages.leftRight(40, 32, RED, BLUE), "png");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 3), RAW);
        Augmentation flip = Augmentation.none().withFlip(1.0, Augmentation.FlipDirection.HORIZONTAL);

        float[] plain = decode(decoder, png, Augmentation.none(), 3);
        float[] flipped = decode(decoder, png, flip, 3);

        assertThat(at(plain, 32, 40, 0, 10, 2)).isEqualTo(255f);
        assertThat(at(flipped, 32, 40, 0, 10, 2)).isEqualTo(0f);
        assertThat(at(flipped, 32, 40, 0, 10, 37)).isEqualTo(255f); // red moved to the right half
        assertThat(at(flipped, 32, 40, 2, 10, 2)).isEqualTo(255f);
    }

    @Test
    void flipsVerticallyWithProbabilityOne() throws IOException {
        Path png = write(dir, "split.png", TestImages.topBottom(40, 32, RED, BLUE), "png");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 3), RAW);
        Augmentation flip = Augmentation.none().withFlip(1.0, Augmentation.FlipDirection.VERTICAL);

        float[] flipped = decode(decoder, png, flip, 3);

        assertThat(at(flipped, 32, 40, 0, 1, 20)).isEqualTo(0f);
        assertThat(at(flipped, 32, 40, 0, 30, 20)).isEqualTo(255f); // red moved to the bottom half
        assertThat(at(flipped, 32, 40, 2, 1, 20)).isEqualTo(255f);
    }

    @Test
    void neverFlipsWithProbabilityZeroAndSometimesWithHalf() throws IOException {
        Path png = write(dir, "split.png", TestImages.leftRight(40, 32, RED, BLUE), "png");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 3), RAW);
        Augmentation never = Augmentation.none().withFlip(0.0, Augmentation.FlipDirection.HORIZONTAL);
        Augmentation half = Augmentation.none().withFlip(0.5, Augmentation.FlipDirection.HORIZONTAL);

        int flippedNever = 0;
        int flippedHalf = 0;
        for (long seed = 0; seed < 200; seed++) {
            flippedNever += at(decode(decoder, png, never, seed), 32, 40, 0, 10, 2) == 0f ? 1 : 0;
            flippedHalf += at(decode(decoder, png, half, seed), 32, 40, 0, 10, 2) == 0f ? 1 : 0;
        }

        assertThat(flippedNever).isZero();
        assertThat(flippedHalf).isBetween(70, 130);
    }

    @Test
    void randomResizedCropHasTheInputSizeAndDependsOnlyOnTheSeed() throws IOException {
        Path jpeg = write(dir, "photo.jpg", TestImages.photoLike(200, 150, 5), "jpg");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 40, 3), RAW);
        Augmentation crop = Augmentation.none().withRandomResizedCrop(Augmentation.RandomResizedCrop.standard());

        float[] a = decode(decoder, jpeg, crop, 11);
        float[] b = decode(decoder, jpeg, crop, 11);
        float[] c = decode(decoder, jpeg, crop, 12);
        float[] plain = decode(decoder, jpeg, Augmentation.none(), 11);

        assertThat(a).hasSize(3 * 32 * 40).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
        assertThat(a).isNotEqualTo(plain);
    }

    @Test
    void cropBoxesStayInsideTheImageWithinTheScaleAndRatioRange() {
        Augmentation.RandomResizedCrop crop = new Augmentation.RandomResizedCrop(0.25, 0.5, 0.5, 2.0);
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        for (int i = 0; i < 500; i++) {
            int[] box = ImageDecoder.randomResizedCropBox(300, 200, crop, random);
            assertThat(box[0]).isGreaterThanOrEqualTo(0);
            assertThat(box[1]).isGreaterThanOrEqualTo(0);
            assertThat(box[0] + box[2]).isLessThanOrEqualTo(300);
            assertThat(box[1] + box[3]).isLessThanOrEqualTo(200);
            double fraction = (double) box[2] * box[3] / (300 * 200);
            assertThat(fraction).isBetween(0.23, 0.52); // rounding of width and height
            assertThat((double) box[2] / box[3]).isBetween(0.48, 2.05);
        }
        // No fit possible (square crop of the full area of a 2:1 image): centre crop clamped to the ratio.
        int[] fallback = ImageDecoder.randomResizedCropBox(80, 40,
                new Augmentation.RandomResizedCrop(1.0, 1.0, 1.0, 1.0), random);
        assertThat(fallback).containsExactly(20, 0, 40, 40);
    }

    @Test
    void flipHelperMirrorsColumns() {
        INDArray x = Nd4j.arange(2 * 3 * 2 * 4).castTo(DataType.FLOAT).reshape(2, 3, 2, 4);

        INDArray flipped = ImageDecoder.flipHorizontal(x);

        assertThat(flipped.shape()).containsExactly(2, 3, 2, 4);
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 2; y++) {
                    for (int col = 0; col < 4; col++) {
                        assertThat(flipped.getFloat(n, c, y, col)).isEqualTo(x.getFloat(n, c, y, 3 - col));
                    }
                }
            }
        }
        assertThat(ImageDecoder.flipHorizontal(flipped)).isEqualTo(x);
    }

    @Test
    void decodeIsRepeatable() throws IOException {
        Path jpeg = write(dir, "photo.jpg", TestImages.photoLike(120, 90, 9), "jpg");
        INDArray a = ImageDecoder.decode(jpeg, spec(2, 64, 64, 3), DataConfig.imagenet(224));
        INDArray b = ImageDecoder.decode(jpeg, spec(2, 64, 64, 3), DataConfig.imagenet(224));

        assertThat(a).isEqualTo(b);
        assertThat(a.stdNumber().doubleValue()).isGreaterThan(0.1);
    }
}
