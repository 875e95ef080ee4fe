package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.tuning.execution.StudyParts;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The table {@code tune} prints per template, from the trials as storage returns them. */
class TuneTableTest {

    private static TrialInfo trial(int number, String template, TrialState state, Double objective) {
        return new TrialInfo(number + 1, 1, number, template, state, null, null, 1, null, null, null, null, null, null,
                objective, null, List.of());
    }

    @Test
    void aTemplateWithoutACompleteTrialShowsDashesNotNaNAndPrunedValuesAreNotCounted() {
        List<TrialInfo> trials = List.of(
                trial(0, "Clarifai_InceptionV2", TrialState.COMPLETE, 0.5),
                trial(1, "Clarifai_InceptionV2", TrialState.COMPLETE, 0.7),
                trial(2, "Clarifai_InceptionV2", TrialState.PRUNED, 0.9),   // partial training: not counted
                trial(3, "Clarifai_InceptionBatchNorm", TrialState.PRUNED, 0.3888),
                // stopped by a cancel: counted apart, neither failed nor among the complete trials' values
                trial(4, "Clarifai_InceptionBatchNorm", TrialState.CANCELLED, 0.95));

        String table = TuneCommand.table(List.of("Clarifai_InceptionV2", "Clarifai_InceptionBatchNorm"), trials,
                Metric.VAL_ACCURACY, Direction.MAXIMIZE);

        assertThat(table).doesNotContain("NaN")
                .containsPattern("template +trials +complete +pruned +failed +cancelled +best +mean +spread\\R")
                .containsPattern("Clarifai_InceptionV2 +3 +2 +1 +0 +0 +0\\.7000 +0\\.6000 +0\\.1000\\R")
                .containsPattern("Clarifai_InceptionBatchNorm +2 +0 +1 +0 +1 +- +- +-\\R")
                .endsWith("(best, mean, spread: accuracy of the complete trials; a pruned trial stopped early and is "
                        + "not counted)" + System.lineSeparator());
    }

    @Test
    void theBestOfALossIsItsLowestAndTheObjectiveHasItsOptionName() {
        List<TrialInfo> trials = List.of(trial(0, "Clarifai_ResNext", TrialState.COMPLETE, 0.4),
                trial(1, "Clarifai_ResNext", TrialState.COMPLETE, 0.2));
        assertThat(TuneCommand.table(List.of("Clarifai_ResNext"), trials, Metric.VAL_LOSS, Direction.MINIMIZE))
                .containsPattern("Clarifai_ResNext +2 +2 +0 +0 +0 +0\\.2000 +0\\.3000 +0\\.1000\\R")
                .contains("spread: loss of the complete trials");
        assertThat(StudyParts.objectiveName(Metric.VAL_ACCURACY)).isEqualTo("accuracy");
        assertThat(StudyParts.objectiveName(Metric.VAL_MACRO_F1)).isEqualTo("macro_f1");
        assertThat(StudyParts.objectiveName(Metric.VAL_MAP)).isEqualTo("map");
    }
}
