package dev.templatelab.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import java.util.TreeSet;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** ROC-AUC and average precision against sklearn's documented values and a brute-force reference. */
class RankingMetricsTest {

    private static final Offset<Double> EXACT = within(1e-12);

    private static boolean[] labels(int... y) {
        boolean[] positive = new boolean[y.length];
        for (int i = 0; i < y.length; i++) {
            positive[i] = y[i] == 1;
        }
        return positive;
    }

    @Test
    void sklearnDocumentedExample() {
        // sklearn roc_auc_score and average_precision_score docs: 0.75 and 0.8333...
        RankingMetrics.Result r = RankingMetrics.of(new float[] {0.1f, 0.4f, 0.35f, 0.8f}, labels(0, 0, 1, 1));
        assertThat(r.rocAuc()).isCloseTo(0.75, EXACT);
        assertThat(r.averagePrecision()).isCloseTo(5 / 6.0, EXACT);
    }

    @Test
    void tiedScoresCountHalfInAuc() {
        // Pairs (positive, negative): 0.5 vs 0.5 twice (1/2 each), 0.9 vs both (1 each): 3 of 4.
        assertThat(RankingMetrics.of(new float[] {0.5f, 0.5f, 0.5f, 0.9f}, labels(0, 1, 0, 1)).rocAuc())
                .isCloseTo(0.75, EXACT);
        assertThat(RankingMetrics.of(new float[] {0.3f, 0.3f, 0.3f, 0.3f}, labels(1, 0, 0, 1)).rocAuc())
                .isCloseTo(0.5, EXACT);
        // -0.0 and 0.0 are the same score.
        assertThat(RankingMetrics.of(new float[] {-0.0f, 0.0f}, labels(1, 0)).rocAuc()).isCloseTo(0.5, EXACT);
    }

    @Test
    void tiedScoresAreOneThresholdInAveragePrecision() {
        // sklearn: average_precision_score([1, 0, 1], [0.5, 0.5, 0.2]) = 1/2 * 1/2 + 1/2 * 2/3 = 0.58333...
        // (breaking the tie positive-first would give 0.8333).
        assertThat(RankingMetrics.of(new float[] {0.5f, 0.5f, 0.2f}, labels(1, 0, 1)).averagePrecision())
                .isCloseTo(0.25 + 1 / 3.0, EXACT);
        // One threshold only: precision = positives / n at recall 1.
        assertThat(RankingMetrics.of(new float[] {0.3f, 0.3f, 0.3f, 0.3f}, labels(1, 0, 0, 1)).averagePrecision())
                .isCloseTo(0.5, EXACT);
    }

    @Test
    void negativeScoresKeepTheirOrder() {
        // Logits work too: the sort key must order negative floats correctly.
        assertThat(RankingMetrics.of(new float[] {-2f, -1f, -3f, 5f}, labels(0, 1, 0, 1)).rocAuc()).isEqualTo(1.0);
        assertThat(RankingMetrics.of(new float[] {-1f, -2f}, labels(0, 1)).rocAuc()).isEqualTo(0.0);
        assertThat(RankingMetrics.of(new float[] {-1f, -2f}, labels(0, 1)).averagePrecision()).isEqualTo(0.5);
    }

    @Test
    void undefinedWhenOnlyOneTargetValue() {
        RankingMetrics.Result allPositive = RankingMetrics.of(new float[] {0.2f, 0.9f}, labels(1, 1));
        assertThat(allPositive.rocAuc()).isNull();
        assertThat(allPositive.averagePrecision()).isEqualTo(1.0);

        RankingMetrics.Result allNegative = RankingMetrics.of(new float[] {0.2f, 0.9f}, labels(0, 0));
        assertThat(allNegative.rocAuc()).isNull();
        assertThat(allNegative.averagePrecision()).isNull();
    }

    @Test
    void agreesWithBruteForceOnRandomTiedData() {
        Random random = new Random(42);
        for (int trial = 0; trial < 50; trial++) {
            int n = 2 + random.nextInt(60);
            float[] scores = new float[n];
            boolean[] positive = new boolean[n];
            for (int i = 0; i < n; i++) {
                scores[i] = random.nextInt(8) / 8f;   // coarse values: many ties
                positive[i] = random.nextDouble() < 0.4;
            }
            positive[0] = true;
            positive[1] = false;
            RankingMetrics.Result r = RankingMetrics.of(scores, positive);
            assertThat(r.rocAuc()).as("trial " + trial).isCloseTo(bruteForceAuc(scores, positive), within(1e-9));
            assertThat(r.averagePrecision()).as("trial " + trial)
                    .isCloseTo(bruteForceAveragePrecision(scores, positive), within(1e-9));
        }
    }

    /** Fraction of (positive, negative) pairs ranked correctly, ties counting one half. */
    private static double bruteForceAuc(float[] scores, boolean[] positive) {
        double correct = 0;
        int pairs = 0;
        for (int i = 0; i < scores.length; i++) {
            for (int j = 0; j < scores.length; j++) {
                if (positive[i] && !positive[j]) {
                    pairs++;
                    correct += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        }
        return correct / pairs;
    }

    /** sklearn's definition, literally: for each distinct threshold from high to low, (R_n - R_{n-1}) P_n. */
    private static double bruteForceAveragePrecision(float[] scores, boolean[] positive) {
        TreeSet<Float> thresholds = new TreeSet<>();
        int positives = 0;
        for (int i = 0; i < scores.length; i++) {
            thresholds.add(scores[i]);
            positives += positive[i] ? 1 : 0;
        }
        double ap = 0;
        double previousRecall = 0;
        for (float threshold : thresholds.descendingSet()) {
            int tp = 0;
            int predicted = 0;
            for (int i = 0; i < scores.length; i++) {
                if (scores[i] >= threshold) {
                    predicted++;
                    tp += positive[i] ? 1 : 0;
                }
            }
            double recall = (double) tp / positives;
            ap += (recall - previousRecall) * tp / predicted;
            previousRecall = recall;
        }
        return ap;
    }
}
