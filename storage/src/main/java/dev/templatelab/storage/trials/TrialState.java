package dev.templatelab.storage.trials;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A trial's life (Optuna's states): WAITING -> RUNNING -> COMPLETE | PRUNED | FAIL, or back to WAITING; with ASHA,
 * RUNNING -> HELD at a rung -> RUNNING again when promoted, or PRUNED when the experiment ends without promoting it.
 * Cancelling the experiment ends every WAITING, RUNNING or HELD trial as CANCELLED.
 */
public enum TrialState {
    /** Queued, not yet claimed by a worker. */
    WAITING,
    /** Claimed by a worker that sends heartbeats. */
    RUNNING,
    /** Finished with an objective value. */
    COMPLETE,
    /** Stopped early by the pruner. */
    PRUNED,
    /** Paused at an ASHA rung with its checkpoint, waiting to be promoted (run on) or pruned. */
    HELD,
    /** Failed with an error, lost its worker too often, or its experiment failed. */
    FAIL,
    /**
     * Stopped because its experiment was cancelled: not a failure. It keeps its curve and, if it stored a checkpoint,
     * its best epoch, that epoch's objective value and the checkpoint.
     */
    CANCELLED;

    private static final Map<TrialState, Set<TrialState>> NEXT = Map.of(
            WAITING, EnumSet.of(RUNNING, FAIL, CANCELLED),          // FAIL: experiment failed
            RUNNING, EnumSet.of(COMPLETE, PRUNED, FAIL, CANCELLED, WAITING, HELD),   // WAITING: re-queued after a lost worker
            HELD, EnumSet.of(RUNNING, PRUNED, FAIL, CANCELLED),     // RUNNING: promoted; FAIL: experiment failed
            COMPLETE, EnumSet.noneOf(TrialState.class),
            PRUNED, EnumSet.noneOf(TrialState.class),
            FAIL, EnumSet.noneOf(TrialState.class),
            CANCELLED, EnumSet.noneOf(TrialState.class));

    /** COMPLETE, PRUNED, FAIL and CANCELLED are final. */
    public boolean isFinished() {
        return NEXT.get(this).isEmpty();
    }

    /** Whether a trial in this state may move to {@code next}. */
    public boolean canMoveTo(TrialState next) {
        return NEXT.get(this).contains(next);
    }
}
