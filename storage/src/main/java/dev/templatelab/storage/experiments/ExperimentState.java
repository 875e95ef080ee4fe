package dev.templatelab.storage.experiments;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** An experiment's life: QUEUED -> RUNNING (first claim) -> COMPLETE | FAILED | CANCELLED, with PAUSED between. */
public enum ExperimentState {
    /** Created, no trial claimed yet. */
    QUEUED,
    /** At least one trial was claimed; workers may claim more. */
    RUNNING,
    /** Workers claim no new trials; running ones finish. */
    PAUSED,
    /** The tuner finished (budget spent or target reached). */
    COMPLETE,
    /** Stopped by an error. */
    FAILED,
    /** Stopped by a user; unfinished trials were failed. */
    CANCELLED;

    private static final Map<ExperimentState, Set<ExperimentState>> NEXT = Map.of(
            QUEUED, EnumSet.of(RUNNING, PAUSED, FAILED, CANCELLED),
            RUNNING, EnumSet.of(PAUSED, COMPLETE, FAILED, CANCELLED),
            PAUSED, EnumSet.of(QUEUED, RUNNING, FAILED, CANCELLED),
            COMPLETE, EnumSet.noneOf(ExperimentState.class),
            FAILED, EnumSet.noneOf(ExperimentState.class),
            CANCELLED, EnumSet.noneOf(ExperimentState.class));

    /** COMPLETE, FAILED and CANCELLED are final. */
    public boolean isFinished() {
        return NEXT.get(this).isEmpty();
    }

    /** Whether an experiment in this state may move to {@code next}. */
    public boolean canMoveTo(ExperimentState next) {
        return NEXT.get(this).contains(next);
    }
}
