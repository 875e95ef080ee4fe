package dev.templatelab.training.pipeline;

import static dev.templatelab.training.pipeline.TestImages.RAW;
import static dev.templatelab.training.pipeline.TestImages.decode;
import static dev.templatelab.training.pipeline.TestImages.spec;
import static dev.templatelab.training.pipeline.TestImages.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.templatelab.training.pipeline.RandAugment.Op;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RandAugmentTest {

    private static final float[] FILL = {124f, 116f, 104f};

    @TempDir
    Path dir;

    /** A 3-channel 24x32 image: red ramp 40..200 across, green ramp down, blue a square; nothing symmetric. */
    private static Pixels image() {
        int h = 24;
        int w = 32;
        float[] d = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                d[y * w + x] = 40 + 160f * x / (w - 1);
                d[h * w + y * w + x] = 30 + 150f * y / (h - 1);
                d[2 * h * w + y * w + x] = x > 4 && x < 12 && y > 3 && y < 10 ? 230 : 60;
            }
        }
        return new Pixels(3, h, w, d);
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void everyOperationChangesPixelsAtFullMagnitudeAndKeepsShapeAndRange(Op op) {
        Pixels in = image();
        float[] before = in.data().clone();

        Pixels out = RandAugment.apply(op, in, 10, false, FILL);

        assertThat(in.data()).as("input untouched").containsExactly(before);
        assertThat(out.channels()).isEqualTo(3);
        assertThat(out.height()).isEqualTo(24);
        assertThat(out.width()).isEqualTo(32);
        assertThat(out.data()).isNotEqualTo(before);
        for (float v : out.data()) {
            assertThat(v).isBetween(0f, 255f);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Op.class, names = {"ROTATE", "SHEAR_X", "SHEAR_Y", "TRANSLATE_X", "TRANSLATE_Y",
            "BRIGHTNESS", "CONTRAST", "COLOR", "SOLARIZE"})
    void directionalOperationsAreIdentityAtMagnitudeZero(Op op) {
        Pixels in = image();

        Pixels out = RandAugment.apply(op, in, 0, true, FILL);

        assertThat(out.data()).usingElementComparator((a, b) -> Math.abs(a - b) < 1e-3f ? 0 : 1)
                .containsExactly(in.data());
    }

    @Test
    void translateShiftsContentAndFillsWithTheMean() {
        Pixels in = image();

        // +45% of 32 = 14.4 px: output x reads input x + 14.4, so the content moves left.
        Pixels out = RandAugment.apply(Op.TRANSLATE_X, in, 10, false, FILL);

        assertThat(out.get(0, 5, 0)).isCloseTo(in.get(0, 5, 14) * 0.6f + in.get(0, 5, 15) * 0.4f, within(1e-3f));
        assertThat(out.get(0, 5, 31)).isEqualTo(124f);
        assertThat(out.get(2, 5, 31)).isEqualTo(104f);
    }

    @Test
    void solarizeAndPosterizeAtFullMagnitude() {
        Pixels in = image();

        Pixels solarized = RandAugment.apply(Op.SOLARIZE, in, 10, false, FILL);
        Pixels posterized = RandAugment.apply(Op.POSTERIZE, in, 10, false, FILL);

        for (int i = 0; i < in.data().length; i++) {
            assertThat(solarized.data()[i]).isEqualTo(255 - in.data()[i]); // threshold 0: everything inverted
            assertThat((int) posterized.data()[i] % 16).isZero(); // 4 bits kept
        }
    }

    @Test
    void equalizeAndAutoContrastStretchToTheFullRange() {
        Pixels in = image(); // red spans 40..200

        Pixels equalized = RandAugment.apply(Op.EQUALIZE, in, 0, false, FILL);
        Pixels stretched = RandAugment.apply(Op.AUTO_CONTRAST, in, 0, false, FILL);

        assertThat(min(equalized, 0)).isEqualTo(0f);
        assertThat(max(equalized, 0)).isGreaterThanOrEqualTo(240f);
        assertThat(min(stretched, 0)).isCloseTo(0f, within(1e-3f));
        assertThat(max(stretched, 0)).isCloseTo(255f, within(1e-3f));
    }

    @Test
    void randomOperationsAreDeterministicPerSeed() {
        Pixels a = RandAugment.apply(image(), 2, 9, FILL, new SplittableRandom(5));
        Pixels b = RandAugment.apply(image(), 2, 9, FILL, new SplittableRandom(5));

        assertThat(a.data()).containsExactly(b.data());
        int differentFromSeed5 = 0;
        for (long seed = 6; seed < 16; seed++) {
            Pixels other = RandAugment.apply(image(), 2, 9, FILL, new SplittableRandom(seed));
            differentFromSeed5 += java.util.Arrays.equals(other.data(), a.data()) ? 0 : 1;
        }
        assertThat(differentFromSeed5).isGreaterThanOrEqualTo(8);
    }

    @Test
    void decoderAppliesRandAugmentKeepingShapeAndDeterminism() {
        Path jpeg = write(dir, "photo.jpg", TestImages.photoLike(64, 48, 3), "jpg");
        ImageDecoder decoder = ImageDecoder.of(spec(2, 32, 32, 3), RAW);
        Augmentation randAugment = Augmentation.none().withRandAugment(2, 9);

        float[] plain = decode(decoder, jpeg, Augmentation.none(), 1);
        float[] a = decode(decoder, jpeg, randAugment, 1);
        float[] b = decode(decoder, jpeg, randAugment, 1);

        assertThat(a).hasSize(plain.length).containsExactly(b);
        assertThat(a).isNotEqualTo(plain);
    }

    private static float min(Pixels p, int channel) {
        float m = Float.MAX_VALUE;
        for (int i = channel * p.planeSize(); i < (channel + 1) * p.planeSize(); i++) {
            m = Math.min(m, p.data()[i]);
        }
        return m;
    }

    private static float max(Pixels p, int channel) {
        float m = -Float.MAX_VALUE;
        for (int i = channel * p.planeSize(); i < (channel + 1) * p.planeSize(); i++) {
            m = Math.max(m, p.data()[i]);
        }
        return m;
    }
}
