package dev.templatelab.tuning.study;

/**
 * Where a trial is in its life (Optuna's states; WAITING arrives with queued trials and the database). HELD: paused
 * at an ASHA rung with its checkpoint, until it is promoted (RUNNING again) or the search ends (PRUNED).
 */
public enum TrialState {
    RUNNING, HELD, COMPLETE, PRUNED, FAIL;

    /** Whether the trial has ended. */
    public boolean isFinished() {
        return this != RUNNING && this != HELD;
    }
}
