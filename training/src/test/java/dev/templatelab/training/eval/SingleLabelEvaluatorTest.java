package dev.templatelab.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.templatelab.training.eval.Evaluation.ClassMetrics;
import dev.templatelab.training.eval.Evaluation.Mode;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Single-label metrics against expectations computed by hand. */
class SingleLabelEvaluatorTest {

    private static final Offset<Double> EXACT = within(1e-12);
    static final List<String> ANIMALS = List.of("cat", "dog", "bird");

    /** One-hot rows for {@code numClasses} classes. */
    static double[][] oneHot(int numClasses, int... trueClasses) {
        double[][] rows = new double[trueClasses.length][numClasses];
        for (int i = 0; i < trueClasses.length; i++) {
            rows[i][trueClasses[i]] = 1;
        }
        return rows;
    }

    // true: cat cat cat dog dog bird; predicted: cat cat dog dog bird cat
    static final double[][] ANIMAL_PROBABILITIES = {
            {0.7, 0.2, 0.1},
            {0.5, 0.3, 0.2},
            {0.3, 0.6, 0.1},
            {0.1, 0.8, 0.1},
            {0.2, 0.3, 0.5},
            {0.6, 0.1, 0.3},
    };
    static final double[][] ANIMAL_TARGETS = oneHot(3, 0, 0, 0, 1, 1, 2);

    static Evaluation animals() {
        Evaluator evaluator = Evaluator.singleLabel(ANIMALS);
        evaluator.add(ANIMAL_PROBABILITIES, ANIMAL_TARGETS);
        return evaluator.result();
    }

    @Test
    void handComputedThreeClassExample() {
        Evaluation e = animals();

        // Rows = true class, columns = predicted.
        assertThat(e.confusionMatrix()).isDeepEqualTo(new int[][] {
                {2, 1, 0},
                {0, 1, 1},
                {1, 0, 0}});
        assertThat(e.mode()).isEqualTo(Mode.SINGLE_LABEL);
        assertThat(e.count()).isEqualTo(6);
        assertThat(e.accuracy()).isCloseTo(3 / 6.0, EXACT);
        // cat: 2 of 3 predicted cats right, 2 of 3 cats found. dog: 1 of 2, 1 of 2. bird: predicted once, wrongly.
        assertClass(e.perClass().get(0), "cat", 2 / 3.0, 2 / 3.0, 2 / 3.0, 3);
        assertClass(e.perClass().get(1), "dog", 1 / 2.0, 1 / 2.0, 1 / 2.0, 2);
        assertClass(e.perClass().get(2), "bird", 0, 0, 0, 1);
        assertThat(e.macroF1()).isCloseTo((2 / 3.0 + 1 / 2.0 + 0) / 3, EXACT);   // 7/18
        assertThat(e.multiLabel()).isNull();
        assertThat(e.loss()).isNull();
    }

    @Test
    void perfectPredictions() {
        Evaluator evaluator = Evaluator.singleLabel(ANIMALS);
        evaluator.add(new double[][] {{0.8, 0.1, 0.1}, {0.1, 0.7, 0.2}, {0.0, 0.1, 0.9}, {0.5, 0.3, 0.2}},
                oneHot(3, 0, 1, 2, 0));
        Evaluation e = evaluator.result();

        assertThat(e.accuracy()).isEqualTo(1.0);
        assertThat(e.top5()).isEqualTo(1.0);
        assertThat(e.macroF1()).isEqualTo(1.0);
        assertThat(e.perClass()).containsExactly(
                new ClassMetrics("cat", 1, 1, 1, 2),
                new ClassMetrics("dog", 1, 1, 1, 1),
                new ClassMetrics("bird", 1, 1, 1, 1));
        assertThat(e.confusionMatrix()).isDeepEqualTo(new int[][] {{2, 0, 0}, {0, 1, 0}, {0, 0, 1}});
    }

    @Test
    void allWrong() {
        Evaluator evaluator = Evaluator.singleLabel(List.of("a", "b"));
        evaluator.add(new double[][] {{0.1, 0.9}, {0.4, 0.6}, {0.7, 0.3}, {0.99, 0.01}}, oneHot(2, 0, 0, 1, 1));
        Evaluation e = evaluator.result();

        assertThat(e.accuracy()).isZero();
        assertThat(e.macroF1()).isZero();
        assertThat(e.perClass()).containsExactly(new ClassMetrics("a", 0, 0, 0, 2), new ClassMetrics("b", 0, 0, 0, 2));
        assertThat(e.confusionMatrix()).isDeepEqualTo(new int[][] {{0, 2}, {2, 0}});
        assertThat(e.top5()).as("k = min(5, 2) = 2 covers every class").isEqualTo(1.0);
    }

    @Test
    void classNeverPredictedHasPrecisionZero() {
        Evaluator evaluator = Evaluator.singleLabel(List.of("a", "b"));
        evaluator.add(new double[][] {{0.9, 0.1}, {0.6, 0.4}}, oneHot(2, 0, 1));
        Evaluation e = evaluator.result();

        assertClass(e.perClass().get(0), "a", 1 / 2.0, 1, 2 / 3.0, 1);
        assertClass(e.perClass().get(1), "b", 0, 0, 0, 1);
        assertThat(e.macroF1()).isCloseTo(1 / 3.0, EXACT);
    }

    @Test
    void macroF1AveragesOnlyOverClassesWithSupport() {
        // true a a b, predicted a c b: c was predicted once but never occurs.
        Evaluator evaluator = Evaluator.singleLabel(ANIMALS);
        evaluator.add(new double[][] {{0.8, 0.1, 0.1}, {0.2, 0.1, 0.7}, {0.1, 0.8, 0.1}}, oneHot(3, 0, 0, 1));
        Evaluation e = evaluator.result();

        assertClass(e.perClass().get(0), "cat", 1, 1 / 2.0, 2 / 3.0, 2);
        assertClass(e.perClass().get(1), "dog", 1, 1, 1, 1);
        assertClass(e.perClass().get(2), "bird", 0, 0, 0, 0);
        // (2/3 + 1) / 2; sklearn's average='macro' would also count bird's 0 and give 5/9.
        assertThat(e.macroF1()).isCloseTo(5 / 6.0, EXACT);
    }

    @Test
    void topFiveCountsHitsRankedBelowFirst() {
        List<String> seven = List.of("a", "b", "c", "d", "e", "f", "g");
        Evaluator evaluator = Evaluator.singleLabel(seven);
        evaluator.add(new double[][] {
                {0.40, 0.20, 0.10, 0.10, 0.10, 0.05, 0.05},   // true a ranked 1st
                {0.30, 0.15, 0.20, 0.25, 0.05, 0.03, 0.02},   // true b ranked 4th
                {0.30, 0.25, 0.10, 0.20, 0.12, 0.02, 0.01},   // true c ranked 5th
                {0.30, 0.25, 0.20, 0.04, 0.12, 0.06, 0.03},   // true d ranked 6th
        }, oneHot(7, 0, 1, 2, 3));
        Evaluation e = evaluator.result();

        assertThat(e.accuracy()).isCloseTo(1 / 4.0, EXACT);
        assertThat(e.top5()).isCloseTo(3 / 4.0, EXACT);
    }

    @Test
    void topKIsClampedToTheNumberOfClasses() {
        Evaluator evaluator = Evaluator.singleLabel(ANIMALS);
        evaluator.add(new double[][] {{0.5, 0.4, 0.1}}, oneHot(3, 2));   // true class ranked last of 3
        Evaluation e = evaluator.result();

        assertThat(e.accuracy()).isZero();
        assertThat(e.top5()).isEqualTo(1.0);
    }

    @Test
    void argmaxTiesGoToTheLowestIndex() {
        Evaluator evaluator = Evaluator.singleLabel(ANIMALS);
        evaluator.add(new double[][] {{0.4, 0.4, 0.2}, {0.4, 0.4, 0.2}, {0.2, 0.4, 0.4}}, oneHot(3, 1, 0, 2));
        Evaluation e = evaluator.result();

        // dog -> predicted cat (index 0 beats 1); cat -> cat; bird -> predicted dog (1 beats 2).
        assertThat(e.confusionMatrix()).isDeepEqualTo(new int[][] {{1, 0, 0}, {1, 0, 0}, {0, 1, 0}});
        assertThat(e.accuracy()).isCloseTo(1 / 3.0, EXACT);
        assertThat(Evaluator.argmax(new float[] {0.1f, 0.3f, 0.3f, 0.2f})).isEqualTo(1);
    }

    @Test
    void topKTiesAtTheBoundaryGoToTheLowerIndices() {
        List<String> six = List.of("a", "b", "c", "d", "e", "f");
        double[] uniform = {1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0};

        Evaluator fifth = Evaluator.singleLabel(six);
        fifth.add(new double[][] {uniform}, oneHot(6, 4));
        assertThat(fifth.result().top5()).as("index 4 is within the five lowest indices").isEqualTo(1.0);

        Evaluator sixth = Evaluator.singleLabel(six);
        sixth.add(new double[][] {uniform}, oneHot(6, 5));
        assertThat(sixth.result().top5()).as("index 5 loses the tie").isZero();

        assertThat(Evaluator.topIndices(new float[] {0.1f, 0.5f, 0.5f, 0.3f, 0.5f}, 3)).containsExactly(1, 2, 4);
        assertThat(Evaluator.topIndices(new float[] {0.1f, 0.2f, 0.9f, 0.3f, 0.8f, 0.3f}, 4))
                .containsExactly(2, 4, 3, 5);
    }

    @Test
    void batchesAccumulate() {
        Evaluator inTwoBatches = Evaluator.singleLabel(ANIMALS);
        inTwoBatches.add(Arrays.copyOfRange(ANIMAL_PROBABILITIES, 0, 4),
                Arrays.copyOfRange(ANIMAL_TARGETS, 0, 4));
        assertThat(inTwoBatches.count()).isEqualTo(4);
        Evaluation partial = inTwoBatches.result();
        inTwoBatches.add(Arrays.copyOfRange(ANIMAL_PROBABILITIES, 4, 6),
                Arrays.copyOfRange(ANIMAL_TARGETS, 4, 6));

        assertThat(partial.accuracy()).isCloseTo(3 / 4.0, EXACT);
        assertThat(inTwoBatches.result()).isEqualTo(animals());
    }

    @Test
    void ndarrayBatchesGiveTheSameResult() {
        Evaluator fromDoubles = Evaluator.singleLabel(ANIMALS);
        fromDoubles.add(Nd4j.create(ANIMAL_PROBABILITIES), Nd4j.create(ANIMAL_TARGETS));
        assertThat(fromDoubles.result()).isEqualTo(animals());

        // A float, Fortran-ordered view (transpose of [K, B]) must be read by logical index, not memory order.
        INDArray transposed = Nd4j.create(ANIMAL_PROBABILITIES).transpose().dup('c').castTo(DataType.FLOAT);
        Evaluator fromView = Evaluator.singleLabel(ANIMALS);
        fromView.add(transposed.transpose(), Nd4j.create(ANIMAL_TARGETS).castTo(DataType.FLOAT));
        assertThat(fromView.result()).isEqualTo(animals());
    }

    @Test
    void malformedBatchesAreRejectedWithoutCountingAnything() {
        Evaluator evaluator = Evaluator.singleLabel(ANIMALS);

        assertThatThrownBy(() -> evaluator.add(new double[][] {{0.5, 0.5}}, new double[][] {{1, 0}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 3");
        assertThatThrownBy(() -> evaluator.add(new double[][] {{0.5, 0.3, 0.2}}, oneHot(3, 0, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 probability rows for 2");
        assertThatThrownBy(() -> evaluator.add(new double[][] {{0.5, 0.3, 0.2}, {Double.NaN, 0.3, 0.2}},
                oneHot(3, 0, 1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> evaluator.add(new double[][] {{0.5, 0.3, 0.2}}, new double[][] {{0, 0, 0}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no positive entry");
        assertThatThrownBy(() -> evaluator.add(Nd4j.create(new double[][] {{0.5, 0.3, 0.2}}),
                Nd4j.create(new double[][] {{1, 0, 0}, {0, 1, 0}})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ in shape");
        assertThatThrownBy(() -> evaluator.add(Nd4j.create(new double[] {0.5, 0.3, 0.2}),
                Nd4j.create(new double[] {1, 0, 0})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[batch, classes]");

        // The NaN batch had a valid first row: it must not have been counted.
        assertThat(evaluator.count()).isZero();
    }

    @Test
    void emptyEvaluatorHasNoResult() {
        Evaluator evaluator = Evaluator.singleLabel(ANIMALS);
        evaluator.add(new double[0][], new double[0][]);
        evaluator.add(Nd4j.create(DataType.FLOAT, 0, 3), Nd4j.create(DataType.FLOAT, 0, 3));

        assertThat(evaluator.count()).isZero();
        assertThatThrownBy(evaluator::result)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no predictions");
    }

    @Test
    void badConstructionIsRejected() {
        assertThatThrownBy(() -> Evaluator.singleLabel(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one class");
        assertThatThrownBy(() -> Evaluator.singleLabel(List.of("a", "b", "a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> Evaluator.multiLabel(ANIMALS, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threshold");
        assertThat(Evaluator.of(ANIMALS, true).mode()).isEqualTo(Mode.MULTI_LABEL);
        assertThat(Evaluator.of(ANIMALS, false).mode()).isEqualTo(Mode.SINGLE_LABEL);
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
