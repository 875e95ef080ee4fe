package dev.templatelab.tuning.execution;

import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.trials.TrialLease;
import dev.templatelab.tuning.study.Study;
import dev.templatelab.tuning.study.Trial;

/**
 * A trial a worker holds: the experiment, its study as this worker sees it, the trial (template, parameters,
 * report/prune) and the lease that proves the worker owns it.
 *
 * @param reclaimed the trial was waiting in the queue (re-queued after a lost worker, a retry or a pause), not
 *                  freshly sampled: it resumes from its latest checkpoint if it has one
 */
public record Assignment(ExperimentInfo experiment, Study study, DbStudyStorage storage, Trial trial, long trialId,
                         TrialLease lease, boolean reclaimed) {
}
