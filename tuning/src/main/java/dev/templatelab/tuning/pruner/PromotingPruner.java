package dev.templatelab.tuning.pruner;

import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.StudyView;
import dev.templatelab.tuning.study.TrialView;
import java.util.OptionalInt;
import java.util.function.Predicate;

/**
 * A pruner that pauses trials instead of stopping them and later lets the best paused ones run on: ASHA as Li et
 * al. (2018) define it. Optuna cannot resume a stopped trial, so its ASHA must decide at once; TemplateLab keeps
 * every trial's epoch checkpoint, so a paused (HELD) trial resumes exactly where it stopped.
 */
public interface PromotingPruner extends Pruner {

    /** Whether {@code trial}, having just reported its latest epoch, should pause there until promoted. */
    boolean hold(StudyView study, TrialView trial);

    /**
     * The HELD trial that should run on now, if any, among those that {@code fits} (the study's epoch budget can
     * finish them): what a free worker takes before starting a new trial.
     */
    OptionalInt promotable(StudyView study, Predicate<FrozenTrial> fits);

    /** {@link #promotable(StudyView, Predicate)} with no budget to fit. */
    default OptionalInt promotable(StudyView study) {
        return promotable(study, t -> true);
    }

    /**
     * The best HELD trial that {@code fits}, the highest rung first, whether or not it is among the best of its
     * rung: what a study runs on when it may start no new trial but has epochs of its budget to spare.
     */
    OptionalInt bestHeld(StudyView study, Predicate<FrozenTrial> fits);
}
