package dev.templatelab.storage.trials;

/**
 * Proof that a worker holds a trial: the trial, the worker and which claim (attempt) it is. Once a
 * trial is re-queued and claimed again, the old lease no longer heartbeats, completes or fails it.
 */
public record TrialLease(long trialId, String workerId, int attempt) {
}
