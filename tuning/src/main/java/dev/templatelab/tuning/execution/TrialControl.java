package dev.templatelab.tuning.execution;

import dev.templatelab.training.fit.CancellationToken;
import java.util.concurrent.atomic.AtomicReference;

/** Stops one running trial from another thread (heartbeat, pool shutdown) and remembers why. */
public final class TrialControl {

    /** Why a trial was stopped before its end. */
    public enum StopReason {
        /** Another worker took the trial over, or it was finished by someone else: drop it. */
        LEASE_LOST,
        /** The experiment was cancelled or failed: its trials were failed already. */
        EXPERIMENT_ENDED,
        /** The experiment was paused: release the trial, it resumes from its checkpoint. */
        PAUSED,
        /** This worker is shutting down: release the trial, another worker resumes it. */
        SHUTDOWN,
        /** The pruner holds the trial at a rung (ASHA): it stays HELD with its checkpoint until promoted. */
        HELD
    }

    private final CancellationToken token = new CancellationToken();
    private final AtomicReference<StopReason> reason = new AtomicReference<>();
    /** System.nanoTime() when the database last confirmed this worker still holds the trial (a claim, a heartbeat). */
    private volatile long leaseConfirmedAt = System.nanoTime();

    /** A control whose lease was last confirmed {@code ago}: a worker cut off from the database that long (tests). */
    static TrialControl leaseConfirmedAgo(java.time.Duration ago) {
        TrialControl control = new TrialControl();
        control.leaseConfirmedAt = System.nanoTime() - ago.toNanos();
        return control;
    }

    /** The database just confirmed the lease (a heartbeat found the trial still ours). */
    void leaseConfirmed() {
        leaseConfirmedAt = System.nanoTime();
    }

    /**
     * Whether the lease was confirmed within {@code window}. No other worker can have taken the trial over since a
     * confirmation younger than the heartbeat grace: a takeover needs the trial silent for the whole grace.
     */
    boolean leaseConfirmedWithin(java.time.Duration window) {
        return System.nanoTime() - leaseConfirmedAt < window.toNanos();
    }

    /** Asks the fit loop to stop after its current minibatch; the first reason given wins. */
    public void stop(StopReason why) {
        reason.compareAndSet(null, why);
        token.cancel();
    }

    /** Why the trial was stopped, or null if nobody stopped it. */
    public StopReason reason() {
        return reason.get();
    }

    CancellationToken token() {
        return token;
    }
}
