package dev.templatelab.tuning.pruner;

import dev.templatelab.tuning.study.StudyView;
import dev.templatelab.tuning.study.TrialView;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Hyperband (Li et al. 2017) as Optuna runs it: several brackets of successive halving over [minResource,
 * maxResource], bracket b starting its rungs at {@code minResource * rf^b}. A trial's bracket is fixed by a hash
 * of the study name and trial number, with brackets weighted by how many trials Hyperband gives them; a trial
 * only competes with trials of its own bracket.
 */
public final class HyperbandPruner implements Pruner {

    private final int minResource;
    private final int maxResource;
    private final int reductionFactor;
    private final List<SuccessiveHalvingPruner> brackets = new ArrayList<>();
    private final List<Integer> budgets = new ArrayList<>();
    private final int totalBudget;

    /**
     * @param maxResource the most epochs a trial runs (usually the largest num_epochs in the space)
     */
    public HyperbandPruner(int minResource, int maxResource, int reductionFactor) {
        if (minResource < 1 || maxResource < minResource || reductionFactor < 2) {
            throw new IllegalArgumentException("need 1 <= minResource <= maxResource and reductionFactor >= 2; got "
                    + minResource + ", " + maxResource + ", " + reductionFactor);
        }
        this.minResource = minResource;
        this.maxResource = maxResource;
        this.reductionFactor = reductionFactor;
        int n = bracketCount();
        int total = 0;
        for (int b = 0; b < n; b++) {
            brackets.add(new SuccessiveHalvingPruner(minResource, reductionFactor, b));
            int s = n - 1 - b;
            int budget = (int) Math.ceil(n * Math.pow(reductionFactor, s) / (s + 1));
            budgets.add(budget);
            total += budget;
        }
        this.totalBudget = total;
    }

    /** floor(log_rf(max / min)) + 1, counted exactly in integers. */
    private int bracketCount() {
        int n = 1;
        for (long r = (long) minResource * reductionFactor; r <= maxResource; r *= reductionFactor) {
            n++;
        }
        return n;
    }

    /** Number of successive-halving brackets. */
    public int brackets() {
        return brackets.size();
    }

    /** The bracket of trial {@code number} in the study named {@code studyName}: stable across runs and workers. */
    public int bracketOf(String studyName, int number) {
        CRC32 crc = new CRC32();
        crc.update((studyName + "_" + number).getBytes(StandardCharsets.UTF_8));
        long n = crc.getValue() % totalBudget;
        for (int b = 0; b < budgets.size(); b++) {
            n -= budgets.get(b);
            if (n < 0) {
                return b;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    @Override
    public boolean prune(StudyView study, TrialView trial) {
        int bracket = bracketOf(study.name(), trial.number());
        // The bracket sees only its own trials.
        return brackets.get(bracket).prune(study.withTrials(study.trials().stream()
                .filter(t -> bracketOf(study.name(), t.number()) == bracket).toList()), trial);
    }
}
