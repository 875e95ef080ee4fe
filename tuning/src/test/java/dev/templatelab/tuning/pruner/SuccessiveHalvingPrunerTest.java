package dev.templatelab.tuning.pruner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.tuning.study.Direction;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.TrialState;
import dev.templatelab.tuning.testing.ScriptedStudy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuccessiveHalvingPrunerTest {

    private final SuccessiveHalvingPruner asha = new SuccessiveHalvingPruner(1, 3, 0); // rungs after 1, 3, 9 epochs: steps 0, 2, 8

    @Test
    void rungsSitAfterMinResourceTimesPowersOfTheReductionFactorEpochs() {
        assertThat(asha.rungStep(0)).isEqualTo(0);     // after the first epoch
        assertThat(asha.rungStep(2)).isEqualTo(8);     // after nine epochs
        SuccessiveHalvingPruner offset = new SuccessiveHalvingPruner(2, 3, 1);
        assertThat(offset.rungStep(0)).isEqualTo(5);
        assertThat(offset.rungStep(1)).isEqualTo(17);
    }

    @Test
    void atEachRungOnlyTheTopThirdContinues() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MAXIMIZE);
        for (int i = 0; i < 9; i++) {
            study.add(TrialState.RUNNING, 0.1 * i); // all nine reach rung 0 (after one epoch)
        }
        List<Integer> continuing = new ArrayList<>();
        for (FrozenTrial t : study.trials()) {
            if (!asha.prune(study, t)) {
                continuing.add(t.number());
            }
        }
        assertThat(continuing).containsExactly(6, 7, 8);

        for (int n : continuing) { // the three survivors reach rung 1 (after three epochs)
            double v = 0.1 * n;
            study.extend(n, v, v, v);
        }
        List<Integer> atRung2 = new ArrayList<>();
        for (int n : continuing) {
            if (!asha.prune(study, study.trials().get(n))) {
                atRung2.add(n);
            }
        }
        assertThat(atRung2).containsExactly(8);
    }

    @Test
    void asynchronousTheFirstTrialsAtARungContinueIfBestSoFarAndDecisionsStand() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MAXIMIZE);
        FrozenTrial first = study.add(TrialState.RUNNING, 0.5);
        assertThat(asha.prune(study, first)).isFalse(); // alone at the rung
        assertThat(asha.prune(study, study.add(TrialState.RUNNING, 0.4))).isTrue(); // not the best of two
        assertThat(asha.prune(study, study.add(TrialState.RUNNING, 0.6))).isFalse();
        for (int i = 0; i < 6; i++) {
            study.add(TrialState.COMPLETE, 0.9, 0.9, 0.9, 0.9);
        }
        // Two epochs is between rungs: the first trial is not judged again at rung 0 against the newcomers.
        assertThat(asha.prune(study, study.extend(first.number(), 0.5, 0.5))).isFalse();
        // At rung 1 (three epochs) it is judged, and the six 0.9 trials beat it.
        assertThat(asha.prune(study, study.extend(first.number(), 0.5, 0.5, 0.5))).isTrue();
    }

    @Test
    void minimisingKeepsTheLowest() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MINIMIZE);
        for (int i = 0; i < 6; i++) {
            study.add(TrialState.RUNNING, i);
        }
        assertThat(study.trials().stream().filter(t -> !asha.prune(study, t)).map(FrozenTrial::number).toList())
                .containsExactly(0, 1);
    }

    @Test
    void beforeTheFirstRungNothingIsPrunedAndNaNIsPrunedAtIt() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MAXIMIZE);
        for (int i = 0; i < 5; i++) {
            study.add(TrialState.COMPLETE, 0.9, 0.9);
        }
        SuccessiveHalvingPruner fromTwoEpochs = new SuccessiveHalvingPruner(2, 3, 0);
        assertThat(fromTwoEpochs.prune(study, study.add(TrialState.RUNNING, 0.0))).isFalse(); // 1 epoch < 2
        assertThat(asha.prune(study, study.add(TrialState.RUNNING, Double.NaN))).isTrue();
    }
}
