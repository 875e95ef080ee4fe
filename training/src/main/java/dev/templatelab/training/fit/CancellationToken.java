package dev.templatelab.training.fit;

/** Stops a running fit loop cleanly after the current minibatch (from any thread). */
public final class CancellationToken {

    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
