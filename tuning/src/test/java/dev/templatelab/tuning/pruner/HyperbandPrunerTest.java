package dev.templatelab.tuning.pruner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.tuning.study.Direction;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.TrialState;
import dev.templatelab.tuning.testing.ScriptedStudy;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class HyperbandPrunerTest {

    @Test
    void bracketCountFollowsTheResourceRange() {
        assertThat(new HyperbandPruner(1, 27, 3).brackets()).isEqualTo(4);
        assertThat(new HyperbandPruner(1, 26, 3).brackets()).isEqualTo(3);
        assertThat(new HyperbandPruner(1, 81, 3).brackets()).isEqualTo(5);
        assertThat(new HyperbandPruner(5, 5, 3).brackets()).isEqualTo(1);
    }

    @Test
    void bracketAssignmentIsStableAndWeightedByBracketBudgets() {
        HyperbandPruner a = new HyperbandPruner(1, 27, 3);
        HyperbandPruner b = new HyperbandPruner(1, 27, 3);
        int[] counts = new int[4];
        int differentInOtherStudy = 0;
        for (int n = 0; n < 4000; n++) {
            int bracket = a.bracketOf("study", n);
            assertThat(b.bracketOf("study", n)).isEqualTo(bracket);
            assertThat(a.bracketOf("study", n)).isEqualTo(bracket);
            counts[bracket]++;
            differentInOtherStudy += a.bracketOf("other study", n) != bracket ? 1 : 0;
        }
        // Budgets 27, 12, 6, 4 of 49 trials.
        assertThat(counts[0] / 4000.0).isBetween(0.50, 0.60);
        assertThat(counts[1] / 4000.0).isBetween(0.20, 0.29);
        assertThat(counts[2] / 4000.0).isBetween(0.09, 0.16);
        assertThat(counts[3] / 4000.0).isBetween(0.05, 0.11);
        assertThat(differentInOtherStudy).isGreaterThan(1000);
        // Optuna's CRC32 of "<study>_<number>"
        assertThat(a.bracketOf("study", 0)).isEqualTo(expectedBracket("study_0"));
    }

    private static int expectedBracket(String key) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long n = crc.getValue() % 49;
        return n < 27 ? 0 : n < 39 ? 1 : n < 45 ? 2 : 3;
    }

    @Test
    void trialsCompeteOnlyWithinTheirBracket() {
        HyperbandPruner hyperband = new HyperbandPruner(1, 27, 3);
        ScriptedStudy study = new ScriptedStudy("hb", Direction.MAXIMIZE);
        int target = -1;
        int rivals = 0;
        for (int n = 0; n < 20; n++) {
            int bracket = hyperband.bracketOf("hb", n);
            if (bracket == 0 && target < 0) {
                target = n;
                study.add(TrialState.RUNNING, 0.1); // weak, but the only one of bracket 0 at its first rung
            } else if (bracket == 0) {
                study.put(TrialState.RUNNING, new TreeMap<>()); // bracket 0, nothing reported yet
            } else {
                study.add(TrialState.RUNNING, 0.9);
                rivals++;
            }
        }
        assertThat(target).isNotNegative();
        assertThat(rivals).isGreaterThanOrEqualTo(3);
        FrozenTrial weak = study.trials().get(target);
        assertThat(hyperband.prune(study, weak)).isFalse();
        // Without brackets the same trial loses to the 0.9s of the other brackets.
        assertThat(new SuccessiveHalvingPruner(1, 3, 0).prune(study, weak)).isTrue();
    }
}
