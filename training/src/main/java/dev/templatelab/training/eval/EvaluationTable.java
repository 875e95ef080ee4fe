package dev.templatelab.training.eval;

import dev.templatelab.training.eval.Evaluation.ClassMetrics;
import dev.templatelab.training.eval.Evaluation.ConceptMetrics;
import dev.templatelab.training.eval.Evaluation.Mode;
import dev.templatelab.training.eval.Evaluation.MultiLabelMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Plain-text rendering of an {@link Evaluation} for terminals and logs. */
public final class EvaluationTable {

    /** Above this many classes the confusion matrix is left out (it would not fit a terminal). */
    public static final int MAX_CONFUSION_CLASSES = 20;

    private static final String UNDEFINED = "n/a";

    private EvaluationTable() {
    }

    /**
     * Overall metrics, a per-class table with aligned columns and, for single-label evaluations of at most
     * {@value #MAX_CONFUSION_CLASSES} classes, the confusion matrix (columns labelled by class index).
     */
    public static String format(Evaluation evaluation) {
        StringBuilder out = new StringBuilder();
        List<ClassMetrics> perClass = evaluation.perClass();
        int numClasses = perClass.size();
        int k = Math.min(5, numClasses);
        long withSupport = perClass.stream().filter(c -> c.support() > 0).count();
        MultiLabelMetrics multi = evaluation.multiLabel();

        if (evaluation.mode() == Mode.SINGLE_LABEL) {
            out.append(String.format(Locale.ROOT, "single-label evaluation: %,d samples, %d classes%n",
                    evaluation.count(), numClasses));
        } else {
            out.append(String.format(Locale.ROOT, "multi-label evaluation: %,d samples, %d concepts, threshold %s%n",
                    evaluation.count(), numClasses, number(multi.threshold())));
        }
        List<String[]> overall = new ArrayList<>();
        overall.add(new String[] {"accuracy (top-1)", number(evaluation.accuracy()), ""});
        overall.add(new String[] {"top-" + k + " accuracy", number(evaluation.top5()), ""});
        overall.add(new String[] {"macro-F1", number(evaluation.macroF1()),
                multi == null ? "mean over " + withSupport + " classes with support"
                        : "at threshold, mean over " + withSupport + " concepts with support"});
        if (evaluation.loss() != null) {
            overall.add(new String[] {"loss", number(evaluation.loss()), "mean"});
        }
        if (multi != null) {
            overall.add(new String[] {"mAP", number(multi.meanAveragePrecision()), "mean AP over concepts with positives"});
            overall.add(new String[] {"macro ROC-AUC", number(multi.macroRocAuc()),
                    "mean over concepts with positives and negatives"});
            overall.add(new String[] {"sample accuracy", number(multi.sampleAccuracy()), "mean Jaccard of true and predicted sets"});
            overall.add(new String[] {"sample F1", number(multi.sampleF1()), "mean F1 of true and predicted sets"});
            overall.add(new String[] {"subset accuracy", number(multi.subsetAccuracy()), "predicted set = true set"});
        }
        for (String[] line : overall) {
            out.append(String.format(Locale.ROOT, "  %-18s %8s", line[0], line[1]));
            out.append(line[2].isEmpty() ? "" : "  (" + line[2] + ")").append('\n');
        }

        out.append('\n');
        List<String[]> rows = new ArrayList<>();
        if (multi == null) {
            rows.add(new String[] {"class", "precision", "recall", "f1", "support"});
        } else {
            rows.add(new String[] {"class", "precision", "recall", "f1", "support", "AP", "ROC-AUC"});
        }
        for (int c = 0; c < numClasses; c++) {
            ClassMetrics m = perClass.get(c);
            String[] row = {m.className(), number(m.precision()), number(m.recall()), number(m.f1()),
                    String.format(Locale.ROOT, "%,d", m.support())};
            if (multi != null) {
                ConceptMetrics concept = multi.concepts().get(c);
                row = new String[] {row[0], row[1], row[2], row[3], row[4], number(concept.averagePrecision()),
                        number(concept.rocAuc())};
            }
            rows.add(row);
        }
        appendAligned(out, rows);

        int[][] confusion = evaluation.confusionMatrix();
        if (confusion != null) {
            out.append('\n');
            if (numClasses > MAX_CONFUSION_CLASSES) {
                out.append("confusion matrix left out: ").append(numClasses).append(" classes > ")
                        .append(MAX_CONFUSION_CLASSES).append('\n');
            } else {
                out.append("confusion matrix (rows: true class, columns: predicted class index)\n");
                List<String[]> matrix = new ArrayList<>();
                String[] header = new String[numClasses + 1];
                header[0] = "";
                for (int c = 0; c < numClasses; c++) {
                    header[c + 1] = Integer.toString(c);
                }
                matrix.add(header);
                for (int t = 0; t < numClasses; t++) {
                    String[] row = new String[numClasses + 1];
                    row[0] = t + " " + perClass.get(t).className();
                    for (int p = 0; p < numClasses; p++) {
                        row[p + 1] = Integer.toString(confusion[t][p]);
                    }
                    matrix.add(row);
                }
                appendAligned(out, matrix);
            }
        }
        return out.toString();
    }

    /** First column left-aligned, the others right-aligned, two spaces apart; no trailing spaces. */
    private static void appendAligned(StringBuilder out, List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                if (c == 0) {
                    line.append(row[c]).append(" ".repeat(width[c] - row[c].length()));
                } else {
                    line.append("  ").append(" ".repeat(width[c] - row[c].length())).append(row[c]);
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String number(Double value) {
        return value == null ? UNDEFINED : String.format(Locale.ROOT, "%.4f", value);
    }
}
