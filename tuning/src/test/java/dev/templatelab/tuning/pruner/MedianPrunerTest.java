package dev.templatelab.tuning.pruner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.tuning.study.Direction;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.TrialState;
import dev.templatelab.tuning.testing.ScriptedStudy;
import org.junit.jupiter.api.Test;

class MedianPrunerTest {

    /** Five completed accuracy curves; their median is 0.5, 0.6, 0.7, 0.8 at epochs 0-3. */
    private static ScriptedStudy fiveCompleted(Direction direction, double sign) {
        ScriptedStudy study = new ScriptedStudy("median", direction);
        for (double offset : new double[] {-0.2, -0.1, 0.0, 0.1, 0.2}) {
            study.add(TrialState.COMPLETE, sign * (0.5 + offset), sign * (0.6 + offset), sign * (0.7 + offset),
                    sign * (0.8 + offset));
        }
        return study;
    }

    @Test
    void clearlyBadCurveIsPrunedOnlyAfterTheWarmUp() {
        ScriptedStudy study = fiveCompleted(Direction.MAXIMIZE, 1);
        MedianPruner pruner = new MedianPruner(5, 2, 1);
        FrozenTrial bad = study.add(TrialState.RUNNING, 0.1, 0.1);
        assertThat(pruner.prune(study, bad)).isFalse(); // epoch 1 < warm-up 2
        bad = study.extend(bad.number(), 0.1, 0.1, 0.1);
        assertThat(pruner.prune(study, bad)).isTrue();
    }

    @Test
    void goodCurveAndEarlyPeakAreKept() {
        ScriptedStudy study = fiveCompleted(Direction.MAXIMIZE, 1);
        MedianPruner pruner = new MedianPruner(5, 0, 1);
        assertThat(pruner.prune(study, study.add(TrialState.RUNNING, 0.6, 0.7, 0.8))).isFalse();
        // The best value so far (0.9 at epoch 0) counts, not the latest dip.
        assertThat(pruner.prune(study, study.add(TrialState.RUNNING, 0.9, 0.2))).isFalse();
        // Just below the median is enough to be pruned.
        assertThat(pruner.prune(study, study.add(TrialState.RUNNING, 0.49, 0.59, 0.69))).isTrue();
    }

    @Test
    void minimisingPrunesHighLoss() {
        ScriptedStudy study = fiveCompleted(Direction.MINIMIZE, -1); // "loss" = -accuracy
        MedianPruner pruner = new MedianPruner();
        assertThat(pruner.prune(study, study.add(TrialState.RUNNING, -0.1, -0.1))).isTrue();
        assertThat(pruner.prune(study, study.add(TrialState.RUNNING, -0.9, -0.9))).isFalse();
    }

    @Test
    void noPruningBeforeEnoughTrialsHaveCompleted() {
        ScriptedStudy study = new ScriptedStudy("median", Direction.MAXIMIZE);
        for (int i = 0; i < 4; i++) {
            study.add(TrialState.COMPLETE, 0.8, 0.9);
        }
        study.add(TrialState.PRUNED, 0.7, 0.8); // pruned trials are not "completed"
        FrozenTrial bad = study.add(TrialState.RUNNING, 0.1, 0.1);
        assertThat(new MedianPruner(5, 0, 1).prune(study, bad)).isFalse();
        assertThat(new MedianPruner(4, 0, 1).prune(study, bad)).isTrue();
    }

    @Test
    void checksOnlyEveryIntervalAfterTheWarmUp() {
        ScriptedStudy study = fiveCompleted(Direction.MAXIMIZE, 1);
        MedianPruner everyThird = new MedianPruner(5, 0, 3);
        FrozenTrial bad = study.add(TrialState.RUNNING, 0.1);
        assertThat(everyThird.prune(study, bad)).isTrue(); // epoch 0 is a check
        bad = study.extend(bad.number(), 0.1, 0.1);
        assertThat(everyThird.prune(study, bad)).isFalse(); // epoch 1 is not
        bad = study.extend(bad.number(), 0.1, 0.1, 0.1);
        assertThat(everyThird.prune(study, bad)).isFalse(); // nor epoch 2
        bad = study.extend(bad.number(), 0.1, 0.1, 0.1, 0.1);
        assertThat(everyThird.prune(study, bad)).isTrue(); // epoch 3 is
    }

    @Test
    void divergedTrialIsPruned() {
        ScriptedStudy study = fiveCompleted(Direction.MAXIMIZE, 1);
        assertThat(new MedianPruner().prune(study, study.add(TrialState.RUNNING, Double.NaN))).isTrue();
    }

    @Test
    void nopPrunerNeverPrunes() {
        ScriptedStudy study = fiveCompleted(Direction.MAXIMIZE, 1);
        NopPruner nop = new NopPruner();
        assertThat(nop.prune(study, study.add(TrialState.RUNNING, 0.0, 0.0, 0.0, 0.0))).isFalse();
        assertThat(nop.prune(study, study.add(TrialState.RUNNING, Double.NaN))).isFalse();
        assertThat(new MedianPruner().prune(study, study.add(TrialState.RUNNING, 0.0, 0.0, 0.0, 0.0))).isTrue();
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThatThrownBy(() -> new MedianPruner(5, 0, 0)).hasMessageContaining("intervalSteps >= 1");
    }
}
