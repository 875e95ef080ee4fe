package dev.templatelab.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.templatelab.training.eval.Evaluation.ClassMetrics;
import dev.templatelab.training.eval.Evaluation.ConceptMetrics;
import dev.templatelab.training.eval.Evaluation.Mode;
import dev.templatelab.training.eval.Evaluation.MultiLabelMetrics;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** Multi-label metrics against expectations computed by hand (and sklearn's documented examples). */
class MultiLabelEvaluatorTest {

    private static final Offset<Double> EXACT = within(1e-12);
    static final List<String> CONCEPTS = List.of("c0", "c1", "c2");

    // c0 is sklearn's example (y = 0 0 1 1, scores 0.1 0.4 0.35 0.8); c1 is ranked perfectly; c2 has no positive.
    static final double[][] SCORES = {
            {0.10, 0.9, 0.2},
            {0.40, 0.8, 0.3},
            {0.35, 0.4, 0.1},
            {0.80, 0.1, 0.6},
    };
    static final double[][] TARGETS = {
            {0, 1, 0},
            {0, 1, 0},
            {1, 0, 0},
            {1, 0, 0},
    };

    static Evaluation example() {
        Evaluator evaluator = Evaluator.multiLabel(CONCEPTS);
        evaluator.add(SCORES, TARGETS);
        return evaluator.result();
    }

    @Test
    void rankingMetricsPerConceptAndMeans() {
        Evaluation e = example();
        MultiLabelMetrics m = e.multiLabel();

        assertThat(e.mode()).isEqualTo(Mode.MULTI_LABEL);
        assertThat(e.confusionMatrix()).isNull();
        assertThat(m.concepts()).extracting(ConceptMetrics::className).containsExactly("c0", "c1", "c2");
        assertThat(m.concepts().get(0).rocAuc()).isCloseTo(0.75, EXACT);
        assertThat(m.concepts().get(0).averagePrecision()).isCloseTo(5 / 6.0, EXACT);
        assertThat(m.concepts().get(1).rocAuc()).isCloseTo(1.0, EXACT);
        assertThat(m.concepts().get(1).averagePrecision()).isCloseTo(1.0, EXACT);
        assertThat(m.concepts().get(2)).isEqualTo(new ConceptMetrics("c2", null, null));
        // Means leave the undefined concept out.
        assertThat(m.meanAveragePrecision()).isCloseTo((5 / 6.0 + 1) / 2, EXACT);   // 11/12
        assertThat(m.macroRocAuc()).isCloseTo((0.75 + 1) / 2, EXACT);
    }

    @Test
    void thresholdMetrics() {
        // Predicted at 0.5: {c1} {c1} {} {c0, c2}; true: {c1} {c1} {c0} {c0}.
        Evaluation e = example();
        MultiLabelMetrics m = e.multiLabel();

        assertThat(m.threshold()).isEqualTo(0.5);
        assertClass(e.perClass().get(0), "c0", 1, 1 / 2.0, 2 / 3.0, 2);
        assertClass(e.perClass().get(1), "c1", 1, 1, 1, 2);
        assertClass(e.perClass().get(2), "c2", 0, 0, 0, 0);
        assertThat(e.macroF1()).isCloseTo((2 / 3.0 + 1) / 2, EXACT);   // c2 has no support
        // Jaccard per sample: 1, 1, 0, 1/2. F1 per sample: 1, 1, 0, 2/3. Exact: samples 0 and 1.
        assertThat(m.sampleAccuracy()).isCloseTo(2.5 / 4, EXACT);
        assertThat(m.sampleF1()).isCloseTo((2 + 2 / 3.0) / 4, EXACT);
        assertThat(m.subsetAccuracy()).isCloseTo(2 / 4.0, EXACT);
    }

    @Test
    void topOneAndTopKAskWhetherTheBestConceptsAreLabels() {
        Evaluation e = example();
        // Sample 2's best concept is c1 (0.4 > 0.35), not its label c0; its top 3 contain c0.
        assertThat(e.accuracy()).isCloseTo(3 / 4.0, EXACT);
        assertThat(e.top5()).isEqualTo(1.0);
    }

    @Test
    void customThresholdChangesOnlyThresholdMetrics() {
        Evaluator evaluator = Evaluator.multiLabel(CONCEPTS, 0.3);
        evaluator.add(SCORES, TARGETS);
        Evaluation e = evaluator.result();

        // c0 at 0.3: predicted for samples 1 (wrong), 2 and 3 (right).
        assertClass(e.perClass().get(0), "c0", 2 / 3.0, 1, 0.8, 2);
        assertThat(e.multiLabel().threshold()).isEqualTo(0.3);
        assertThat(e.multiLabel().concepts()).isEqualTo(example().multiLabel().concepts());
    }

    @Test
    void scoreEqualToTheThresholdIsPredicted() {
        Evaluator evaluator = Evaluator.multiLabel(List.of("a", "b"));
        evaluator.add(new double[][] {{0.5, 0.2}}, new double[][] {{1, 0}});
        Evaluation e = evaluator.result();

        assertThat(e.perClass().get(0).recall()).isEqualTo(1.0);
        assertThat(e.multiLabel().subsetAccuracy()).isEqualTo(1.0);
    }

    @Test
    void conceptWithOnlyPositivesHasApOneAndNoAuc() {
        Evaluator evaluator = Evaluator.multiLabel(List.of("always", "sometimes"));
        evaluator.add(new double[][] {{0.9, 0.2}, {0.3, 0.7}}, new double[][] {{1, 0}, {1, 1}});
        MultiLabelMetrics m = evaluator.result().multiLabel();

        assertThat(m.concepts().get(0)).isEqualTo(new ConceptMetrics("always", 1.0, null));
        assertThat(m.concepts().get(1)).isEqualTo(new ConceptMetrics("sometimes", 1.0, 1.0));
        assertThat(m.macroRocAuc()).isEqualTo(1.0);
    }

    @Test
    void sampleWithoutLabelsAndWithoutPredictionsIsASampleBasedMatch() {
        Evaluator evaluator = Evaluator.multiLabel(List.of("a", "b"));
        evaluator.add(new double[][] {{0.1, 0.2}}, new double[][] {{0, 0}});
        Evaluation e = evaluator.result();

        assertThat(e.multiLabel().sampleAccuracy()).isEqualTo(1.0);
        assertThat(e.multiLabel().sampleF1()).isEqualTo(1.0);
        assertThat(e.multiLabel().subsetAccuracy()).isEqualTo(1.0);
        assertThat(e.accuracy()).as("no label for the top concept to hit").isZero();
        assertThat(e.macroF1()).as("no concept has support").isZero();
        assertThat(e.multiLabel().meanAveragePrecision()).isNull();
        assertThat(e.multiLabel().macroRocAuc()).isNull();
    }

    @Test
    void batchesAndNdarraysAccumulateToTheSameResult() {
        Evaluator evaluator = Evaluator.multiLabel(CONCEPTS);
        // Enough batches to grow the score buffer beyond its initial 1024 floats.
        for (int repeat = 0; repeat < 100; repeat++) {
            evaluator.add(Nd4j.create(SCORES), Nd4j.create(TARGETS));
        }
        Evaluation e = evaluator.result();
        Evaluation once = example();

        assertThat(e.count()).isEqualTo(400);
        // Repeating every sample 100 times changes no rate.
        assertThat(e.multiLabel().concepts()).isEqualTo(once.multiLabel().concepts());
        assertThat(e.perClass()).extracting(ClassMetrics::f1)
                .containsExactlyElementsOf(once.perClass().stream().map(ClassMetrics::f1).toList());
        assertThat(e.multiLabel().sampleAccuracy()).isCloseTo(once.multiLabel().sampleAccuracy(), EXACT);
        assertThat(e.accuracy()).isCloseTo(once.accuracy(), EXACT);
    }

    private static void assertClass(ClassMetrics m, String name, double precision, double recall, double f1,
                                    int support) {
        assertThat(m.className()).isEqualTo(name);
        assertThat(m.precision()).as(name + " precision").isCloseTo(precision, EXACT);
        assertThat(m.recall()).as(name + " recall").isCloseTo(recall, EXACT);
        assertThat(m.f1()).as(name + " f1").isCloseTo(f1, EXACT);
        assertThat(m.support()).as(name + " support").isEqualTo(support);
    }
}
