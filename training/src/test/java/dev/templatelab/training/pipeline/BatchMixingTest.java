package dev.templatelab.training.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchMixingTest {

    private static final int B = 4;
    private static final int C = 3;
    private static final int H = 8;
    private static final int W = 10;
    private static final int K = 3;

    /** Image i is filled with the value 10 * (i + 1); image i has class i % K, one-hot. */
    private static float[] features() {
        float[] f = new float[B * C * H * W];
        for (int i = 0; i < B; i++) {
            java.util.Arrays.fill(f, i * C * H * W, (i + 1) * C * H * W, 10f * (i + 1));
        }
        return f;
    }

    private static float[] oneHot() {
        float[] t = new float[B * K];
        for (int i = 0; i < B; i++) {
            t[i * K + i % K] = 1f;
        }
        return t;
    }

    @Test
    void mixupBlendsEachImageWithItsReversedPartner() {
        float[] f = features();
        float[] t = oneHot();

        BatchMixing.Mix mix = BatchMixing.mix(f, t, B, C, H, W, K, Augmentation.none().withMixup(0.4),
                new SplittableRandom(3));

        assertThat(mix.kind()).isEqualTo(BatchMixing.Kind.MIXUP);
        double lambda = mix.lambda();
        assertThat(lambda).isStrictlyBetween(0.0, 1.0);
        // Image 0 (value 10) mixed with image 3 (value 40).
        assertThat(f[5]).isCloseTo((float) (lambda * 10 + (1 - lambda) * 40), within(1e-4f));
        // Image 0 is class 0, its partner image 3 is class 0 too; image 1 (class 1) pairs with image 2 (class 2).
        assertThat(t[0]).isCloseTo(1f, within(1e-6f));
        assertThat(t[K + 1]).isCloseTo((float) lambda, within(1e-6f));
        assertThat(t[K + 2]).isCloseTo((float) (1 - lambda), within(1e-6f));
        assertRowsSumToOne(t);
    }

    @Test
    void cutmixPastesThePartnersBoxAndWeighsLabelsByArea() {
        float[] f = features();
        float[] t = oneHot();

        BatchMixing.Mix mix = BatchMixing.mix(f, t, B, C, H, W, K, Augmentation.none().withCutmix(1.0),
                new SplittableRandom(8));

        assertThat(mix.kind()).isEqualTo(BatchMixing.Kind.CUTMIX);
        int[] box = mix.box();
        int pasted = 0;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                boolean inBox = x >= box[0] && x < box[2] && y >= box[1] && y < box[3];
                float image1 = f[(1 * C + 2) * H * W + y * W + x]; // image 1, channel 2
                assertThat(image1).isEqualTo(inBox ? 30f : 20f); // partner of image 1 is image 2
                pasted += inBox ? 1 : 0;
            }
        }
        assertThat(pasted).isPositive();
        assertThat(mix.lambda()).isCloseTo(1 - pasted / (double) (H * W), within(1e-9));
        assertThat(t[K + 1]).isCloseTo((float) mix.lambda(), within(1e-6f));
        assertThat(t[K + 2]).isCloseTo((float) (1 - mix.lambda()), within(1e-6f));
        assertRowsSumToOne(t);
    }

    @Test
    void withBothOnEachBatchUsesOneOfThemAboutHalfTheTime() {
        Augmentation both = Augmentation.none().withMixup(0.2).withCutmix(1.0);
        int cutmix = 0;
        int mixup = 0;
        for (long seed = 0; seed < 200; seed++) {
            BatchMixing.Kind kind = BatchMixing.mix(features(), oneHot(), B, C, H, W, K, both,
                    new SplittableRandom(seed)).kind();
            cutmix += kind == BatchMixing.Kind.CUTMIX ? 1 : 0;
            mixup += kind == BatchMixing.Kind.MIXUP ? 1 : 0;
        }
        assertThat(cutmix + mixup).isEqualTo(200);
        assertThat(cutmix).isBetween(70, 130);
    }

    @Test
    void offLeavesTheBatchAlone() {
        float[] f = features();
        float[] t = oneHot();

        BatchMixing.Mix mix = BatchMixing.mix(f, t, B, C, H, W, K, Augmentation.none(), new SplittableRandom(1));

        assertThat(mix.kind()).isEqualTo(BatchMixing.Kind.NONE);
        assertThat(f).containsExactly(features());
        assertThat(t).containsExactly(oneHot());
    }

    @Test
    void labelSmoothingForSoftmaxAndSigmoid() {
        float[] softmax = {0, 1, 0, 0};
        float[] sigmoid = {0, 1, 0, 1};

        BatchMixing.smooth(softmax, 4, 0.1, false);
        BatchMixing.smooth(sigmoid, 4, 0.1, true);

        assertThat(softmax).containsExactly(new float[] {0.025f, 0.925f, 0.025f, 0.025f}, within(1e-7f));
        assertThat(sigmoid).containsExactly(new float[] {0.05f, 0.95f, 0.05f, 0.95f}, within(1e-7f));
    }

    @Test
    void betaSamplesHaveTheRightMeanAndSpread() {
        SplittableRandom random = new SplittableRandom(17);
        int n = 20000;
        double sum = 0;
        double sumSquares = 0;
        int extremes = 0;
        for (int i = 0; i < n; i++) {
            double uniform = BatchMixing.sampleBeta(1.0, random); // Beta(1, 1) is uniform
            sum += uniform;
            sumSquares += uniform * uniform;
            double u = BatchMixing.sampleBeta(0.2, random); // U-shaped: mass near 0 and 1
            extremes += u < 0.1 || u > 0.9 ? 1 : 0;
        }
        double mean = sum / n;
        assertThat(mean).isCloseTo(0.5, within(0.01));
        assertThat(sumSquares / n - mean * mean).isCloseTo(1.0 / 12, within(0.005));
        // P(Beta(0.2, 0.2) outside [0.1, 0.9]) = 0.673 (scipy.stats.beta.cdf(0.1, 0.2, 0.2) * 2).
        assertThat(extremes / (double) n).isBetween(0.65, 0.70);
    }

    private static void assertRowsSumToOne(float[] targets) {
        for (int i = 0; i < B; i++) {
            float sum = 0;
            for (int k = 0; k < K; k++) {
                sum += targets[i * K + k];
            }
            assertThat(sum).as("row " + i).isCloseTo(1f, within(1e-5f));
        }
    }
}
