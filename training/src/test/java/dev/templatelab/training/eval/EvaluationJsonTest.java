package dev.templatelab.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.training.eval.Evaluation.ClassMetrics;
import dev.templatelab.training.eval.Evaluation.Mode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON shape of an evaluation and its round trip. */
class EvaluationJsonTest {

    private static Evaluation perfectCatsAndDogs() {
        Evaluator evaluator = Evaluator.singleLabel(List.of("cat", "dog"));
        evaluator.add(new double[][] {{0.9, 0.1}, {0.2, 0.8}}, new double[][] {{1, 0}, {0, 1}});
        return evaluator.result();
    }

    @Test
    void singleLabelShapeIsStable() {
        // Pinned on purpose: the CLI, the database and the web UI read these names.
        assertThat(perfectCatsAndDogs().withLoss(0.25).toJson()).isEqualTo(
                "{\"mode\":\"single-label\",\"count\":2,\"accuracy\":1.0,\"top5\":1.0,\"macroF1\":1.0,\"loss\":0.25,"
                        + "\"perClass\":[{\"class\":\"cat\",\"precision\":1.0,\"recall\":1.0,\"f1\":1.0,\"support\":1},"
                        + "{\"class\":\"dog\",\"precision\":1.0,\"recall\":1.0,\"f1\":1.0,\"support\":1}],"
                        + "\"confusionMatrix\":[[1,0],[0,1]]}");
    }

    @Test
    void multiLabelShapeLeavesUndefinedValuesOut() {
        String json = MultiLabelEvaluatorTest.example().toJson();

        assertThat(json).startsWith("{\"mode\":\"multi-label\",\"count\":4,");
        assertThat(json).doesNotContain("confusionMatrix", "loss", "NaN", "null");
        assertThat(json).contains("\"multiLabel\":{\"threshold\":0.5,\"meanAveragePrecision\":0.91666");
        assertThat(json).contains("{\"class\":\"c0\",\"averagePrecision\":0.8333333333333333,\"rocAuc\":0.75}");
        assertThat(json).contains("{\"class\":\"c2\"}");   // no positive sample: neither AP nor ROC-AUC
    }

    @Test
    void singleLabelRoundTrip() {
        Evaluation original = SingleLabelEvaluatorTest.animals().withLoss(0.6931471805599453);
        Evaluation read = Evaluation.fromJson(original.toJson());

        assertThat(read).isEqualTo(original);
        assertThat(read.confusionMatrix()).isDeepEqualTo(original.confusionMatrix());
        assertThat(read.loss()).isEqualTo(0.6931471805599453);
    }

    @Test
    void multiLabelRoundTrip() {
        Evaluation original = MultiLabelEvaluatorTest.example();
        Evaluation read = Evaluation.fromJson(original.toJson());

        assertThat(read).isEqualTo(original);
        assertThat(read.multiLabel().concepts().get(2).rocAuc()).isNull();
        assertThat(read.loss()).isNull();
    }

    @Test
    void divergedLossRoundTripsAsTheStringNaN() {
        Evaluation diverged = perfectCatsAndDogs().withLoss(Double.NaN);

        assertThat(diverged.toJson()).contains("\"loss\":\"NaN\"");
        assertThat(Evaluation.fromJson(diverged.toJson()).loss()).isNaN();
    }

    @Test
    void equalityComparesTheConfusionMatrixByContent() {
        // Guards the round-trip tests: a reference-comparing equals would fail them, an always-true one pass them.
        Evaluation a = SingleLabelEvaluatorTest.animals();
        int[][] changed = a.confusionMatrix();
        changed[2][0]--;
        changed[2][2]++;
        Evaluation b = new Evaluation(a.mode(), a.count(), a.accuracy(), a.top5(), a.macroF1(), a.loss(),
                a.perClass(), changed, a.multiLabel());

        assertThat(b).isNotEqualTo(a);
        assertThat(new Evaluation(a.mode(), a.count(), a.accuracy(), a.top5(), a.macroF1(), a.loss(), a.perClass(),
                a.confusionMatrix(), a.multiLabel())).isEqualTo(a).hasSameHashCodeAs(a);
    }

    @Test
    void confusionMatrixCannotBeChangedFromOutside() {
        Evaluation e = SingleLabelEvaluatorTest.animals();
        e.confusionMatrix()[0][0] = 99;
        assertThat(e.confusionMatrix()[0][0]).isEqualTo(2);
    }

    @Test
    void unknownFieldsAreIgnoredAndGarbageIsRejected() {
        String newer = perfectCatsAndDogs().toJson().replace("{\"mode\"", "{\"calibrationError\":0.01,\"mode\"");
        assertThat(Evaluation.fromJson(newer)).isEqualTo(perfectCatsAndDogs());

        assertThatThrownBy(() -> Evaluation.fromJson("{\"mode\":\"sideways\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an evaluation");
    }

    @Test
    void inconsistentRecordsAreRejected() {
        List<ClassMetrics> one = List.of(new ClassMetrics("a", 1, 1, 1, 1));
        assertThatThrownBy(() -> new Evaluation(Mode.MULTI_LABEL, 1, 1, 1, 1, null, one, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiLabel");
        assertThatThrownBy(() -> new Evaluation(Mode.SINGLE_LABEL, 1, 1, 1, 1, null, one, new int[2][2], null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 rows for 1 classes");
    }
}
