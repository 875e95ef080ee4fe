package dev.templatelab.training.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The metrics of one evaluation run, as produced by {@link Evaluator#result()}; serialises to a stable
 * JSON shape ({@link #toJson()}) for the CLI, the database and the web UI.
 *
 * <p>Conventions (both modes):
 * <ul>
 *   <li>Predicted class of a sample = argmax of its probabilities; on ties the <b>lowest class index
 *       wins</b>. The same order (score descending, then index ascending) decides top-k membership.</li>
 *   <li>Precision of a class that was never predicted, recall of a class without support, and F1 when
 *       precision + recall = 0 are all defined as <b>0</b> (sklearn's {@code zero_division=0}).</li>
 *   <li>{@code macroF1} is the unweighted mean of F1 over the classes <b>with support</b> (at least one
 *       true sample). sklearn's {@code average='macro'} also averages over labels that were only predicted
 *       (or passed in {@code labels}) with F1 = 0; we leave them out so that a validation split which
 *       happens to miss a rare class does not lower the score of every model by the same constant.</li>
 *   <li>Fields that do not apply or are undefined are {@code null} and <b>absent</b> from the JSON
 *       (never NaN): {@code loss} until the trainer sets it, {@code confusionMatrix} in multi-label mode,
 *       {@code multiLabel} in single-label mode, and the per-concept ROC-AUC/AP described at
 *       {@link ConceptMetrics}.</li>
 * </ul>
 *
 * <p>Single-label: the true class of a sample is the argmax of its target row. Multi-label: the true
 * labels are the target entries &ge; 0.5 and a concept is predicted when its probability is &ge; the
 * threshold; {@code accuracy} counts a sample as correct when its top-1 concept is one of its labels,
 * {@code top5} when any of its top-k concepts is, and {@code perClass}/{@code macroF1} are taken at the
 * threshold.
 *
 * @param mode            single-label or multi-label
 * @param count           number of evaluated samples
 * @param accuracy        top-1 accuracy
 * @param top5            top-k accuracy with k = min(5, number of classes)
 * @param macroF1         mean F1 over classes with support (see above)
 * @param loss            mean loss set by the trainer via {@link #withLoss(double)}; null when not set
 * @param perClass        precision, recall, F1 and support per class, in class order
 * @param confusionMatrix single-label only: counts, rows = true class, columns = predicted class, in class order
 * @param multiLabel      multi-label only: ranking metrics and sample-based metrics
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"mode", "count", "accuracy", "top5", "macroF1", "loss", "perClass", "confusionMatrix",
        "multiLabel"})
public record Evaluation(Mode mode, int count, double accuracy, double top5, double macroF1, Double loss,
                         List<ClassMetrics> perClass, int[][] confusionMatrix, MultiLabelMetrics multiLabel) {

    // Unknown properties are ignored so that JSON written by a newer version (more fields) still reads.
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Whether a sample has exactly one class or any number of concepts. */
    public enum Mode {
        @JsonProperty("single-label") SINGLE_LABEL,
        @JsonProperty("multi-label") MULTI_LABEL
    }

    /**
     * Threshold metrics of one class.
     *
     * @param className the class name, {@code "class"} in JSON
     * @param support   number of samples whose true labels include this class
     */
    @JsonPropertyOrder({"class", "precision", "recall", "f1", "support"})
    public record ClassMetrics(@JsonProperty("class") String className, double precision, double recall, double f1,
                               int support) {

        public ClassMetrics {
            Objects.requireNonNull(className, "className");
        }
    }

    /**
     * Ranking metrics of one concept (multi-label only).
     *
     * @param className        the concept name, {@code "class"} in JSON
     * @param averagePrecision sklearn's average precision, sum over distinct score thresholds of
     *                         (R_n - R_{n-1}) P_n; null (absent in JSON) when the concept has no positive
     *                         sample; 1.0 when every sample is positive
     * @param rocAuc           exact ROC-AUC (Mann-Whitney rank statistic, ties count one half); null (absent in
     *                         JSON) when the concept has only positive or only negative samples
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"class", "averagePrecision", "rocAuc"})
    public record ConceptMetrics(@JsonProperty("class") String className, Double averagePrecision, Double rocAuc) {

        public ConceptMetrics {
            Objects.requireNonNull(className, "className");
        }
    }

    /**
     * Multi-label metrics. For sample-based metrics T is a sample's true label set and P its predicted set
     * (probability &ge; threshold); a sample with both sets empty scores 1 (sklearn scores it by
     * {@code zero_division}; our datasets never have a sample without labels).
     *
     * @param threshold            probability at or above which a concept counts as predicted
     * @param meanAveragePrecision mAP: mean of {@link ConceptMetrics#averagePrecision()} over concepts where it
     *                             is defined; null when no concept has a positive sample
     * @param macroRocAuc          mean of the defined per-concept ROC-AUCs; null when none is defined
     * @param sampleAccuracy       mean over samples of |T &cap; P| / |T &cup; P| (example-based accuracy,
     *                             sklearn's {@code jaccard_score(average='samples')})
     * @param sampleF1             mean over samples of 2|T &cap; P| / (|T| + |P|) (sklearn's
     *                             {@code f1_score(average='samples')})
     * @param subsetAccuracy       fraction of samples with P = T exactly (sklearn's multi-label
     *                             {@code accuracy_score})
     * @param concepts             per-concept average precision and ROC-AUC, in class order
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"threshold", "meanAveragePrecision", "macroRocAuc", "sampleAccuracy", "sampleF1",
            "subsetAccuracy", "concepts"})
    public record MultiLabelMetrics(double threshold, Double meanAveragePrecision, Double macroRocAuc,
                                    double sampleAccuracy, double sampleF1, double subsetAccuracy,
                                    List<ConceptMetrics> concepts) {

        public MultiLabelMetrics {
            concepts = List.copyOf(concepts);
        }
    }

    public Evaluation {
        Objects.requireNonNull(mode, "mode");
        perClass = List.copyOf(perClass);
        confusionMatrix = deepCopy(confusionMatrix);
        if (count < 1) {
            throw new IllegalArgumentException("an evaluation needs at least one sample, got count " + count);
        }
        if ((mode == Mode.MULTI_LABEL) != (multiLabel != null)) {
            throw new IllegalArgumentException("multiLabel metrics must be present exactly in multi-label mode");
        }
        if (mode == Mode.MULTI_LABEL && confusionMatrix != null) {
            throw new IllegalArgumentException("a multi-label evaluation has no confusion matrix");
        }
        if (confusionMatrix != null && confusionMatrix.length != perClass.size()) {
            throw new IllegalArgumentException("confusion matrix has " + confusionMatrix.length + " rows for "
                    + perClass.size() + " classes");
        }
    }

    /** This evaluation with the mean loss set; a NaN loss (diverged training) is written to JSON as the string "NaN". */
    public Evaluation withLoss(double meanLoss) {
        return new Evaluation(mode, count, accuracy, top5, macroF1, meanLoss, perClass, confusionMatrix, multiLabel);
    }

    /** The class names in class order. */
    public List<String> classes() {
        return perClass.stream().map(ClassMetrics::className).toList();
    }

    /** A copy of the confusion matrix (rows = true, columns = predicted), or null in multi-label mode. */
    @Override
    public int[][] confusionMatrix() {
        return deepCopy(confusionMatrix);
    }

    /** This evaluation as compact JSON; {@link #fromJson(String)} reads it back to an equal record. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise evaluation", e);
        }
    }

    /** Reads an evaluation written by {@link #toJson()}; unknown fields are ignored. */
    public static Evaluation fromJson(String json) {
        try {
            return JSON.readValue(json, Evaluation.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an evaluation: " + e.getOriginalMessage(), e);
        }
    }

    // The record's generated equals/hashCode would compare the matrix by reference.
    @Override
    public boolean equals(Object o) {
        return o instanceof Evaluation e
                && mode == e.mode
                && count == e.count
                && Double.compare(accuracy, e.accuracy) == 0
                && Double.compare(top5, e.top5) == 0
                && Double.compare(macroF1, e.macroF1) == 0
                && Objects.equals(loss, e.loss)
                && perClass.equals(e.perClass)
                && Arrays.deepEquals(confusionMatrix, e.confusionMatrix)
                && Objects.equals(multiLabel, e.multiLabel);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, count, accuracy, top5, macroF1, loss, perClass, Arrays.deepHashCode(confusionMatrix),
                multiLabel);
    }

    @Override
    public String toString() {
        return "Evaluation[mode=" + mode + ", count=" + count + ", accuracy=" + accuracy + ", top5=" + top5
                + ", macroF1=" + macroF1 + ", loss=" + loss + ", perClass=" + perClass
                + ", confusionMatrix=" + Arrays.deepToString(confusionMatrix) + ", multiLabel=" + multiLabel + "]";
    }

    private static int[][] deepCopy(int[][] matrix) {
        if (matrix == null) {
            return null;
        }
        int[][] copy = new int[matrix.length][];
        for (int i = 0; i < matrix.length; i++) {
            copy[i] = matrix[i].clone();
        }
        return copy;
    }
}
