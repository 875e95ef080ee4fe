package dev.templatelab.tuning.execution;

import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.trials.TrialLease;
import dev.templatelab.tuning.study.Study;
import dev.templatelab.tuning.study.Trial;

/**
 * A trial a worker holds: the experiment, its study as this worker sees it, the trial (template, parameters,
 * report/prune) and the lease that proves the worker owns it.
 *
 * @param origin how the worker got the trial: it resumes from its latest checkpoint unless it is new
 */
public record Assignment(ExperimentInfo experiment, Study study, DbStudyStorage storage, Trial trial, long trialId,
                         TrialLease lease, Origin origin) {

    /** Where an assigned trial comes from. */
    public enum Origin {
        /** Freshly sampled. */
        NEW,
        /** Waiting in the queue again: re-queued after a lost worker, a retry or a pause. */
        REQUEUED,
        /** HELD at a rung and promoted by the pruner. */
        PROMOTED
    }
}
