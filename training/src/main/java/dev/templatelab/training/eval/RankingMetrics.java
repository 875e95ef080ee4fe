package dev.templatelab.training.eval;

import java.util.Arrays;

/**
 * Exact ROC-AUC and average precision of one binary concept from its scores and targets, with tied
 * scores treated as one threshold (as sklearn does), in O(n log n).
 */
final class RankingMetrics {

    /** ROC-AUC and AP of one concept; either is null where undefined (see {@link Evaluation.ConceptMetrics}). */
    record Result(Double rocAuc, Double averagePrecision) {
    }

    private RankingMetrics() {
    }

    /** ROC-AUC and average precision of {@code scores} (no NaN) against {@code positive}. */
    static Result of(float[] scores, boolean[] positive) {
        if (scores.length != positive.length) {
            throw new IllegalArgumentException(scores.length + " scores for " + positive.length + " targets");
        }
        int n = scores.length;
        long[] sorted = sortedKeys(scores);
        int positives = 0;
        for (boolean p : positive) {
            positives += p ? 1 : 0;
        }
        int negatives = n - positives;

        // Walk groups of equal score in ascending order: mid-ranks for the Mann-Whitney statistic.
        double positiveRankSum = 0;
        // Group boundaries and positive counts per group, reused by the descending AP walk.
        int[] groupEnd = new int[n];
        int[] groupPositives = new int[n];
        int groups = 0;
        for (int start = 0; start < n; ) {
            int end = start;
            int groupPos = 0;
            while (end < n && scoreBits(sorted[end]) == scoreBits(sorted[start])) {
                groupPos += positive[index(sorted[end])] ? 1 : 0;
                end++;
            }
            double midRank = (start + 1 + end) / 2.0;   // ranks start+1 .. end, averaged
            positiveRankSum += midRank * groupPos;
            groupEnd[groups] = end;
            groupPositives[groups] = groupPos;
            groups++;
            start = end;
        }

        Double rocAuc = null;
        if (positives > 0 && negatives > 0) {
            rocAuc = (positiveRankSum - positives * (positives + 1.0) / 2.0) / ((double) positives * negatives);
        }

        Double averagePrecision = null;
        if (positives > 0) {
            // Thresholds from the highest score down: AP = sum (R_n - R_{n-1}) P_n.
            double ap = 0;
            long truePositives = 0;
            long predicted = 0;
            double previousRecall = 0;
            for (int g = groups - 1; g >= 0; g--) {
                int groupStart = g == 0 ? 0 : groupEnd[g - 1];
                truePositives += groupPositives[g];
                predicted += groupEnd[g] - groupStart;
                double recall = (double) truePositives / positives;
                double precision = (double) truePositives / predicted;
                ap += (recall - previousRecall) * precision;
                previousRecall = recall;
            }
            averagePrecision = ap;
        }
        return new Result(rocAuc, averagePrecision);
    }

    /**
     * Sort keys, ascending by score: the score's bits mapped to an order-preserving int in the high half,
     * the sample index in the low half. Sorting primitives keeps this fast for many concepts x many samples.
     */
    private static long[] sortedKeys(float[] scores) {
        long[] keys = new long[scores.length];
        for (int i = 0; i < scores.length; i++) {
            float score = scores[i];
            if (Float.isNaN(score)) {
                throw new IllegalArgumentException("score " + i + " is NaN");
            }
            int bits = Float.floatToIntBits(score + 0.0f);     // + 0.0f turns -0.0 into 0.0: one tie group
            bits ^= (bits >> 31) & 0x7fffffff;                 // negative floats: reverse their order
            keys[i] = ((long) bits << 32) | i;
        }
        Arrays.sort(keys);
        return keys;
    }

    private static int scoreBits(long key) {
        return (int) (key >> 32);
    }

    private static int index(long key) {
        return (int) key;
    }
}
