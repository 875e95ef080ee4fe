package dev.templatelab.storage.metrics;

/** Whether an experiment wants its objective metric as small or as large as possible. */
public enum Direction {
    MINIMIZE, MAXIMIZE;

    /** True when {@code candidate} beats {@code incumbent} in this direction. */
    public boolean isBetter(double candidate, double incumbent) {
        return this == MAXIMIZE ? candidate > incumbent : candidate < incumbent;
    }
}
