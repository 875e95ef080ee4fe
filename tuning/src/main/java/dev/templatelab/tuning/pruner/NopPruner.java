package dev.templatelab.tuning.pruner;

import dev.templatelab.tuning.study.StudyView;
import dev.templatelab.tuning.study.TrialView;

/** Never prunes: every trial runs all its epochs. */
public final class NopPruner implements Pruner {

    @Override
    public boolean prune(StudyView study, TrialView trial) {
        return false;
    }
}
