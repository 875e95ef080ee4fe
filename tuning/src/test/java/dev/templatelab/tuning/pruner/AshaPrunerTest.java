package dev.templatelab.tuning.pruner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.tuning.study.Direction;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.TrialState;
import dev.templatelab.tuning.testing.ScriptedStudy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class AshaPrunerTest {

    private final AshaPruner asha = new AshaPruner(1, 3); // rungs after 1, 3, 9 epochs: steps 0, 2, 8

    @Test
    void rungsSitAfterMinResourceTimesPowersOfTheReductionFactorEpochs() {
        assertThat(asha.rungStep(0)).isEqualTo(0);
        assertThat(asha.rungStep(1)).isEqualTo(2);
        assertThat(asha.rungStep(2)).isEqualTo(8);
        assertThat(new AshaPruner(2, 4).rungStep(1)).isEqualTo(7);
    }

    @Test
    void theFirstTrialsAtARungAreHeldNotWavedThrough() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MAXIMIZE);
        FrozenTrial first = study.add(TrialState.RUNNING, 0.9);
        assertThat(asha.hold(study, first)).as("alone at the rung: top floor(1/3) = nobody yet").isTrue();
        study.move(0, TrialState.HELD);
        assertThat(asha.hold(study, study.add(TrialState.RUNNING, 0.5))).isTrue();
        study.move(1, TrialState.HELD);
        assertThat(asha.promotable(study)).isEmpty();
        FrozenTrial third = study.add(TrialState.RUNNING, 0.4);
        assertThat(asha.hold(study, third)).as("not the best of three").isTrue();
        study.move(2, TrialState.HELD);
        assertThat(asha.promotable(study)).as("the best of three is promoted").isEqualTo(OptionalInt.of(0));
    }

    @Test
    void aTrialAmongTheBestOfItsRungRunsOnAtOnce() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MAXIMIZE);
        study.add(TrialState.HELD, 0.2);
        study.add(TrialState.HELD, 0.3);
        assertThat(asha.hold(study, study.add(TrialState.RUNNING, 0.7))).isFalse();
        assertThat(asha.hold(study, study.add(TrialState.RUNNING, 0.5, 0.6))).as("between rungs: no decision").isFalse();
    }

    @Test
    void aHeldTrialIsPromotedWhenLaterTrialsRankBelowIt() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MAXIMIZE);
        study.add(TrialState.COMPLETE, 0.9, 0.9, 0.9);   // promoted earlier; holds the single top slot of three
        study.add(TrialState.HELD, 0.8);
        study.add(TrialState.HELD, 0.1);
        assertThat(asha.promotable(study)).isEmpty();
        study.add(TrialState.HELD, 0.2);
        study.add(TrialState.HELD, 0.3);
        study.add(TrialState.HELD, 0.4);
        assertThat(asha.promotable(study)).as("six at the rung: the top two are trials 0 and 1").isEqualTo(OptionalInt.of(1));
    }

    @Test
    void higherRungsArePromotedFirstAndFailedTrialsDoNotCount() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MAXIMIZE);
        for (double v : new double[] {0.5, 0.6, 0.7}) {
            study.add(TrialState.HELD, v, v, v);          // three held at rung 1 (step 2)
        }
        for (double v : new double[] {0.1, 0.2, 0.95}) {
            study.add(TrialState.HELD, v);                // three held at rung 0 (step 0), one of them the best there
        }
        study.add(TrialState.FAIL, 0.99);                 // diverged: never ranks
        assertThat(asha.promotable(study)).as("rung 1's best goes first").isEqualTo(OptionalInt.of(2));
        study.extend(2, 0.7, 0.7, 0.7, 0.7);
        study.move(2, TrialState.RUNNING);
        // Rung 0: six trials reached it (FAIL excluded), top two are #5 (0.95) and #2 (0.7, already past it).
        assertThat(asha.promotable(study)).isEqualTo(OptionalInt.of(5));
    }

    @Test
    void bestHeldTakesTheHighestRungsBestThatFitsWhateverItsRank() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MAXIMIZE);
        study.add(TrialState.COMPLETE, 0.9, 0.9, 0.9);
        study.add(TrialState.HELD, 0.5, 0.5, 0.6);      // #1 and #2 wait at rung 1
        study.add(TrialState.HELD, 0.5, 0.5, 0.7);
        study.add(TrialState.HELD, 0.95);               // #3 waits at rung 0
        study.add(TrialState.FAIL, 0.1);                // diverged; were it ranked, #3 would be in rung 0's top two
        study.add(TrialState.RUNNING, 0.99, 0.99, 0.99); // #5 holds the single top slot of both rungs
        assertThat(asha.promotable(study)).as("ASHA's rule promotes nobody").isEmpty();
        assertThat(asha.bestHeld(study, t -> true)).as("rung 1 first, its best held").isEqualTo(OptionalInt.of(2));
        assertThat(asha.bestHeld(study, t -> t.number() != 2)).isEqualTo(OptionalInt.of(1));
        assertThat(asha.bestHeld(study, t -> t.reportedEpochs() == 1)).as("then rung 0").isEqualTo(OptionalInt.of(3));
        assertThat(asha.bestHeld(study, t -> false)).isEmpty();
    }

    @Test
    void aNanAtARungPrunesForGood() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MAXIMIZE);
        assertThat(asha.prune(study, study.add(TrialState.RUNNING, Double.NaN))).isTrue();
        assertThat(asha.prune(study, study.add(TrialState.RUNNING, 0.5))).isFalse();
    }

    @Test
    void minimizingRanksTheLowestFirst() {
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MINIMIZE);
        study.add(TrialState.HELD, 0.9);
        study.add(TrialState.HELD, 0.8);
        assertThat(asha.hold(study, study.add(TrialState.RUNNING, 0.1))).isFalse();
    }

    /**
     * One worker runs ASHA to the end over 27 scripted trials in shuffled order of quality, with a noisy first
     * epoch: the driver follows Li et al.'s get_job (promote if possible, else a new trial).
     */
    @Test
    void aWholeSearchTrainsAboutAThirdOfTheEpochsAndFinishesTheBestTrials() {
        int n = 27;
        int epochs = 9;
        double[][] curves = new double[n][epochs];
        int bestTrial = -1;
        for (int i = 0; i < n; i++) {
            int quality = (i * 10) % n;                                      // a fixed shuffle of 0..26
            bestTrial = quality == n - 1 ? i : bestTrial;
            for (int e = 0; e < epochs; e++) {
                double noise = e == 0 ? 0.02 * ((i * 7) % 5 - 2) : 0;     // deterministic jitter at the first rung only
                curves[i][e] = (quality + 1.0) / n * (e + 1.0) / epochs + noise;
            }
        }
        ScriptedStudy study = new ScriptedStudy("asha", Direction.MAXIMIZE);
        int next = 0;
        while (true) {
            OptionalInt promoted = asha.promotable(study);
            int trial;
            if (promoted.isPresent()) {
                trial = promoted.getAsInt();
                study.move(trial, TrialState.RUNNING);
            } else if (next < n) {
                trial = next++;
                study.add(TrialState.RUNNING);
            } else {
                break;
            }
            int from = study.trials().get(trial).reportedEpochs();
            for (int e = from; e < epochs; e++) {
                FrozenTrial t = study.extend(trial, Arrays.copyOf(curves[trial], e + 1));
                if (e == epochs - 1) {
                    study.move(trial, TrialState.COMPLETE);
                } else if (asha.hold(study, t)) {
                    study.move(trial, TrialState.HELD);
                    break;
                }
            }
        }
        int total = study.trials().stream().mapToInt(FrozenTrial::reportedEpochs).sum();
        List<Integer> complete = new ArrayList<>();
        study.trials(java.util.Set.of(TrialState.COMPLETE)).forEach(t -> complete.add(t.number()));
        // Synchronous successive halving would train 27 + 9*2 + 3*6 = 63 epochs of 243; ASHA may promote a few more.
        assertThat(total).isBetween(63, 81);
        assertThat(complete).contains(bestTrial);   // the best trial was never lost to the noisy first rung
        assertThat(study.trials(java.util.Set.of(TrialState.RUNNING))).isEmpty();
    }
}
