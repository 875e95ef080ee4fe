package dev.templatelab.training.eval;

import dev.templatelab.training.eval.Evaluation.ClassMetrics;
import dev.templatelab.training.eval.Evaluation.ConceptMetrics;
import dev.templatelab.training.eval.Evaluation.Mode;
import dev.templatelab.training.eval.Evaluation.MultiLabelMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Accumulates predictions batch by batch and computes an {@link Evaluation}; see there for the metric
 * definitions. Not thread-safe: use one evaluator per thread, or synchronise.
 *
 * <p>Memory: single-label mode keeps only counts (O(K²)). Multi-label mode keeps every score (as float,
 * the network's output precision; double inputs are rounded to float) and every target bit, because exact
 * ROC-AUC and average precision need all of them: about 4 bytes x samples x concepts.
 */
public final class Evaluator {

    /** Default probability at or above which a concept counts as predicted in multi-label mode. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    /** Multi-label target entries at or above this are positive labels (targets are multi-hot 0/1). */
    private static final float POSITIVE_TARGET = 0.5f;

    private static final int TOP_K = 5;

    private final List<String> classes;
    private final Mode mode;
    private final double threshold;
    private final int numClasses;
    private final int k;

    private int count;
    private int top1Hits;
    private int topKHits;
    // Per class: the counts behind precision, recall and F1, in both modes.
    private final int[] truePositives;
    private final int[] falsePositives;
    private final int[] falseNegatives;
    // Single-label only.
    private final int[][] confusion;
    // Multi-label only: sample-based sums, and every score / target bit (row-major, count x K).
    private double jaccardSum;
    private double sampleF1Sum;
    private int exactMatches;
    private float[] scores;
    private final BitSet positives = new BitSet();

    private Evaluator(List<String> classes, Mode mode, double threshold) {
        this.classes = List.copyOf(classes);
        if (this.classes.isEmpty()) {
            throw new IllegalArgumentException("an evaluator needs at least one class");
        }
        if (new HashSet<>(this.classes).size() != this.classes.size()) {
            throw new IllegalArgumentException("duplicate class names in " + this.classes);
        }
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        }
        this.mode = mode;
        this.threshold = threshold;
        this.numClasses = this.classes.size();
        this.k = Math.min(TOP_K, numClasses);
        this.truePositives = new int[numClasses];
        this.falsePositives = new int[numClasses];
        this.falseNegatives = new int[numClasses];
        this.confusion = mode == Mode.SINGLE_LABEL ? new int[numClasses][numClasses] : null;
        this.scores = mode == Mode.MULTI_LABEL ? new float[Math.max(numClasses, 1024)] : null;
    }

    /** An evaluator for single-label data: the true class of a sample is the argmax of its target row. */
    public static Evaluator singleLabel(List<String> classes) {
        return new Evaluator(classes, Mode.SINGLE_LABEL, DEFAULT_THRESHOLD);
    }

    /** An evaluator for multi-hot targets with the default threshold 0.5. */
    public static Evaluator multiLabel(List<String> classes) {
        return multiLabel(classes, DEFAULT_THRESHOLD);
    }

    /** An evaluator for multi-hot targets; a concept is predicted when its probability is &ge; threshold. */
    public static Evaluator multiLabel(List<String> classes, double threshold) {
        return new Evaluator(classes, Mode.MULTI_LABEL, threshold);
    }

    /** An evaluator for a dataset's classes and mode (e.g. {@code ImageDataset.multiLabel()}). */
    public static Evaluator of(List<String> classes, boolean multiLabel) {
        return multiLabel ? multiLabel(classes) : singleLabel(classes);
    }

    /** Adds a batch: probabilities and targets both of shape [batch, classes]. */
    public void add(INDArray probabilities, INDArray targets) {
        Objects.requireNonNull(probabilities, "probabilities");
        Objects.requireNonNull(targets, "targets");
        if (probabilities.rank() != 2 || targets.rank() != 2) {
            throw new IllegalArgumentException("probabilities and targets must be [batch, classes], got "
                    + Arrays.toString(probabilities.shape()) + " and " + Arrays.toString(targets.shape()));
        }
        if (!Arrays.equals(probabilities.shape(), targets.shape())) {
            throw new IllegalArgumentException("probabilities " + Arrays.toString(probabilities.shape())
                    + " and targets " + Arrays.toString(targets.shape()) + " differ in shape");
        }
        if (probabilities.size(0) == 0) {
            return;
        }
        add(probabilities.toFloatMatrix(), targets.toFloatMatrix());
    }

    /** Adds a batch; doubles are rounded to float (see class comment). */
    public void add(double[][] probabilities, double[][] targets) {
        add(toFloat(probabilities), toFloat(targets));
    }

    /** Adds a batch: {@code probabilities[i]} and {@code targets[i]} are the rows of sample i. */
    public void add(float[][] probabilities, float[][] targets) {
        validate(probabilities, targets);   // all rows before any is counted: a bad batch changes nothing
        int rows = probabilities.length;
        if (mode == Mode.MULTI_LABEL) {
            ensureScoreCapacity(rows);
        }
        for (int i = 0; i < rows; i++) {
            if (mode == Mode.SINGLE_LABEL) {
                addSingleLabel(probabilities[i], targets[i]);
            } else {
                addMultiLabel(probabilities[i], targets[i]);
            }
            count++;
        }
    }

    /** Number of samples added so far. */
    public int count() {
        return count;
    }

    /** The class names, in the order of the probability and target columns. */
    public List<String> classes() {
        return classes;
    }

    /** Single-label or multi-label. */
    public Mode mode() {
        return mode;
    }

    /** The multi-label decision threshold (unused in single-label mode). */
    public double threshold() {
        return threshold;
    }

    /** The metrics of everything added so far; throws IllegalStateException when nothing was added. */
    public Evaluation result() {
        if (count == 0) {
            throw new IllegalStateException("no predictions to evaluate: add at least one sample before result()");
        }
        List<ClassMetrics> perClass = new ArrayList<>(numClasses);
        double f1Sum = 0;
        int classesWithSupport = 0;
        for (int c = 0; c < numClasses; c++) {
            int tp = truePositives[c];
            int support = tp + falseNegatives[c];
            int predicted = tp + falsePositives[c];
            double precision = predicted == 0 ? 0 : (double) tp / predicted;
            double recall = support == 0 ? 0 : (double) tp / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.add(new ClassMetrics(classes.get(c), precision, recall, f1, support));
            if (support > 0) {
                f1Sum += f1;
                classesWithSupport++;
            }
        }
        // No class with support is only possible in multi-label mode (samples without labels): report 0.
        double macroF1 = classesWithSupport == 0 ? 0 : f1Sum / classesWithSupport;
        double accuracy = (double) top1Hits / count;
        double topK = (double) topKHits / count;
        if (mode == Mode.SINGLE_LABEL) {
            return new Evaluation(mode, count, accuracy, topK, macroF1, null, perClass, confusion, null);
        }
        return new Evaluation(mode, count, accuracy, topK, macroF1, null, perClass, null, multiLabelMetrics());
    }

    private MultiLabelMetrics multiLabelMetrics() {
        List<ConceptMetrics> concepts = new ArrayList<>(numClasses);
        double apSum = 0;
        int apDefined = 0;
        double aucSum = 0;
        int aucDefined = 0;
        float[] column = new float[count];
        boolean[] columnPositive = new boolean[count];
        for (int c = 0; c < numClasses; c++) {
            for (int i = 0; i < count; i++) {
                column[i] = scores[i * numClasses + c];
                columnPositive[i] = positives.get(i * numClasses + c);
            }
            RankingMetrics.Result ranking = RankingMetrics.of(column, columnPositive);
            concepts.add(new ConceptMetrics(classes.get(c), ranking.averagePrecision(), ranking.rocAuc()));
            if (ranking.averagePrecision() != null) {
                apSum += ranking.averagePrecision();
                apDefined++;
            }
            if (ranking.rocAuc() != null) {
                aucSum += ranking.rocAuc();
                aucDefined++;
            }
        }
        Double meanAveragePrecision = apDefined == 0 ? null : apSum / apDefined;
        Double macroRocAuc = aucDefined == 0 ? null : aucSum / aucDefined;
        return new MultiLabelMetrics(threshold, meanAveragePrecision, macroRocAuc, jaccardSum / count,
                sampleF1Sum / count, (double) exactMatches / count, concepts);
    }

    private void addSingleLabel(float[] probabilities, float[] target) {
        int trueClass = argmax(target);
        int[] top = topIndices(probabilities, k);
        int predicted = top[0];
        confusion[trueClass][predicted]++;
        if (predicted == trueClass) {
            truePositives[trueClass]++;
            top1Hits++;
        } else {
            falseNegatives[trueClass]++;
            falsePositives[predicted]++;
        }
        for (int index : top) {
            if (index == trueClass) {
                topKHits++;
                break;
            }
        }
    }

    private void addMultiLabel(float[] probabilities, float[] target) {
        int offset = count * numClasses;
        int labels = 0;
        int predictedLabels = 0;
        int correctLabels = 0;
        for (int c = 0; c < numClasses; c++) {
            boolean positive = target[c] >= POSITIVE_TARGET;
            boolean predicted = probabilities[c] >= threshold;
            scores[offset + c] = probabilities[c];
            positives.set(offset + c, positive);
            labels += positive ? 1 : 0;
            predictedLabels += predicted ? 1 : 0;
            if (positive && predicted) {
                truePositives[c]++;
                correctLabels++;
            } else if (predicted) {
                falsePositives[c]++;
            } else if (positive) {
                falseNegatives[c]++;
            }
        }
        int union = labels + predictedLabels - correctLabels;
        jaccardSum += union == 0 ? 1 : (double) correctLabels / union;
        sampleF1Sum += labels + predictedLabels == 0 ? 1 : 2.0 * correctLabels / (labels + predictedLabels);
        exactMatches += correctLabels == labels && correctLabels == predictedLabels ? 1 : 0;

        int[] top = topIndices(probabilities, k);
        if (target[top[0]] >= POSITIVE_TARGET) {
            top1Hits++;
        }
        for (int index : top) {
            if (target[index] >= POSITIVE_TARGET) {
                topKHits++;
                break;
            }
        }
    }

    /** Index of the largest value; the lowest index wins ties. */
    static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The k indices with the highest scores, best first; among equal scores the lower index ranks higher. */
    static int[] topIndices(float[] scores, int k) {
        int[] top = new int[k];
        int filled = 0;
        for (int i = 0; i < scores.length; i++) {
            float score = scores[i];
            int position;
            if (filled < k) {
                position = filled++;
            } else if (score > scores[top[k - 1]]) {
                position = k - 1;   // evicts the current last
            } else {
                continue;           // not better than the k-th: an equal score has a higher index, so loses
            }
            // Move past every kept index with a lower score; equal scores stay ahead (lower index).
            while (position > 0 && scores[top[position - 1]] < score) {
                top[position] = top[position - 1];
                position--;
            }
            top[position] = i;
        }
        return top;
    }

    private void validate(float[][] probabilities, float[][] targets) {
        Objects.requireNonNull(probabilities, "probabilities");
        Objects.requireNonNull(targets, "targets");
        if (probabilities.length != targets.length) {
            throw new IllegalArgumentException(probabilities.length + " probability rows for " + targets.length
                    + " target rows");
        }
        for (int i = 0; i < probabilities.length; i++) {
            float[] scoreRow = probabilities[i];
            float[] targetRow = targets[i];
            if (scoreRow == null || targetRow == null || scoreRow.length != numClasses
                    || targetRow.length != numClasses) {
                throw new IllegalArgumentException("row " + i + ": expected " + numClasses + " probabilities and "
                        + numClasses + " targets (classes " + classes + ")");
            }
            float targetMax = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < numClasses; c++) {
                if (Float.isNaN(scoreRow[c]) || Float.isNaN(targetRow[c])) {
                    throw new IllegalArgumentException("row " + i + " column " + c + " is NaN");
                }
                targetMax = Math.max(targetMax, targetRow[c]);
            }
            if (mode == Mode.SINGLE_LABEL && !(targetMax > 0)) {
                throw new IllegalArgumentException("row " + i + ": single-label target has no positive entry");
            }
        }
    }

    private void ensureScoreCapacity(int rows) {
        long needed = (long) (count + rows) * numClasses;
        if (needed > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("too many scores for one multi-label evaluator: " + needed);
        }
        if (needed > scores.length) {
            long grown = Math.max(needed, Math.min((long) scores.length * 2, Integer.MAX_VALUE - 8));
            scores = Arrays.copyOf(scores, (int) grown);
        }
    }

    private static float[][] toFloat(double[][] values) {
        Objects.requireNonNull(values);
        float[][] result = new float[values.length][];
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                result[i] = new float[values[i].length];
                for (int c = 0; c < values[i].length; c++) {
                    result[i][c] = (float) values[i][c];
                }
            }
        }
        return result;
    }
}
