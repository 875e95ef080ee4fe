package dev.templatelab.tuning.pruner;

import dev.templatelab.tuning.study.StudyView;
import dev.templatelab.tuning.study.TrialView;

/** Decides whether a running trial should stop early, from its curve and the study's other trials (Optuna's pruner). */
public interface Pruner {

    /** Whether {@code trial}, having just reported its latest epoch, should be stopped. */
    boolean prune(StudyView study, TrialView trial);
}
