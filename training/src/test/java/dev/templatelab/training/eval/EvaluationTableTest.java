package dev.templatelab.training.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The human-readable rendering. */
class EvaluationTableTest {

    @Test
    void singleLabelTable() {
        assertThat(EvaluationTable.format(SingleLabelEvaluatorTest.animals().withLoss(0.5))).isEqualTo("""
                single-label evaluation: 6 samples, 3 classes
                  accuracy (top-1)     0.5000
                  top-3 accuracy       1.0000
                  macro-F1             0.3889  (mean over 3 classes with support)
                  loss                 0.5000  (mean)

                class  precision  recall      f1  support
                cat       0.6667  0.6667  0.6667        3
                dog       0.5000  0.5000  0.5000        2
                bird      0.0000  0.0000  0.0000        1

                confusion matrix (rows: true class, columns: predicted class index)
                        0  1  2
                0 cat   2  1  0
                1 dog   0  1  1
                2 bird  1  0  0
                """);
    }

    @Test
    void multiLabelTable() {
        assertThat(EvaluationTable.format(MultiLabelEvaluatorTest.example())).isEqualTo("""
                multi-label evaluation: 4 samples, 3 concepts, threshold 0.5000
                  accuracy (top-1)     0.7500
                  top-3 accuracy       1.0000
                  macro-F1             0.8333  (at threshold, mean over 2 concepts with support)
                  mAP                  0.9167  (mean AP over concepts with positives)
                  macro ROC-AUC        0.8750  (mean over concepts with positives and negatives)
                  sample accuracy      0.6250  (mean Jaccard of true and predicted sets)
                  sample F1            0.6667  (mean F1 of true and predicted sets)
                  subset accuracy      0.5000  (predicted set = true set)

                class  precision  recall      f1  support      AP  ROC-AUC
                c0        1.0000  0.5000  0.6667        2  0.8333   0.7500
                c1        1.0000  1.0000  1.0000        2  1.0000   1.0000
                c2        0.0000  0.0000  0.0000        0     n/a      n/a
                """);
    }

    @Test
    void longClassNamesWidenTheColumnAndKeepRowsAligned() {
        List<String> classes = List.of("a", "a-much-longer-class-name");
        Evaluator evaluator = Evaluator.singleLabel(classes);
        evaluator.add(new double[][] {{0.9, 0.1}, {0.1, 0.9}}, new double[][] {{1, 0}, {0, 1}});
        List<String> lines = EvaluationTable.format(evaluator.result()).lines().toList();

        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("class ")).findFirst().orElseThrow());
        List<String> table = lines.subList(header, header + 3);
        assertThat(table).allSatisfy(line -> assertThat(line).hasSize(table.get(0).length()));
        assertThat(table.get(1)).startsWith("a                         ");
        assertThat(table.get(0)).doesNotContain("loss");
        assertThat(lines).noneMatch(line -> line.contains("loss"));
    }

    @Test
    void confusionMatrixOnlyUpToTwentyClasses() {
        assertThat(EvaluationTable.format(cyclicEvaluation(20))).contains("19 c19").doesNotContain("left out");
        assertThat(EvaluationTable.format(cyclicEvaluation(21)))
                .contains("confusion matrix left out: 21 classes > 20")
                .doesNotContain("20 c20");
    }

    /** One correctly predicted sample per class. */
    private static Evaluation cyclicEvaluation(int numClasses) {
        List<String> classes = new ArrayList<>();
        double[][] identity = new double[numClasses][numClasses];
        for (int c = 0; c < numClasses; c++) {
            classes.add("c" + c);
            identity[c][c] = 1;
        }
        Evaluator evaluator = Evaluator.singleLabel(classes);
        evaluator.add(identity, identity);
        return evaluator.result();
    }
}
