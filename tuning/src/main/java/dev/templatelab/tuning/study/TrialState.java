package dev.templatelab.tuning.study;

/**
 * Where a trial is in its life (Optuna's states; WAITING arrives with queued trials and the database). HELD: paused
 * at an ASHA rung with its checkpoint, until it is promoted (RUNNING again) or the search ends (PRUNED). CANCELLED:
 * stopped because its experiment was cancelled, keeping the value of its best checkpointed epoch, if any; not a
 * failure, and not an observation for the samplers either (it was stopped by a user, not by how it did).
 */
public enum TrialState {
    RUNNING, HELD, COMPLETE, PRUNED, FAIL, CANCELLED;

    /** Whether the trial has ended. */
    public boolean isFinished() {
        return this != RUNNING && this != HELD;
    }
}
