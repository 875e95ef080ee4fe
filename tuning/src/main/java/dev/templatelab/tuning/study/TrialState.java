package dev.templatelab.tuning.study;

/** Where a trial is in its life (Optuna's states; WAITING arrives with queued trials and the database). */
public enum TrialState {
    RUNNING, COMPLETE, PRUNED, FAIL;

    /** Whether the trial has ended. */
    public boolean isFinished() {
        return this != RUNNING;
    }
}
