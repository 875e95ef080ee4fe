package dev.templatelab.storage.trials;

import dev.templatelab.storage.IllegalTransitionException;

/**
 * A worker acted on a trial it no longer holds: the trial was re-queued (lost heartbeats) and maybe
 * claimed again, or the experiment was cancelled. The worker should stop working on it.
 */
public class TrialLeaseLostException extends IllegalTransitionException {

    TrialLeaseLostException(TrialLease lease, TrialInfo now) {
        super("trial " + lease.trialId() + " (#" + now.number() + " of experiment " + now.experimentId()
                + ") is no longer held by worker " + lease.workerId() + " attempt " + lease.attempt()
                + ": it is " + now.state() + (now.workerId() != null
                ? " with worker " + now.workerId() + " attempt " + now.attempts() : "")
                + (now.error() != null ? " (" + now.error() + ")" : ""));
    }
}
