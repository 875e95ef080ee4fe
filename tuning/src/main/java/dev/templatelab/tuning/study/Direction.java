package dev.templatelab.tuning.study;

/** Whether larger or smaller objective values are better. */
public enum Direction {
    MAXIMIZE, MINIMIZE;

    /** Whether {@code a} is strictly better than {@code b}; NaN is never better. */
    public boolean isBetter(double a, double b) {
        if (Double.isNaN(a)) {
            return false;
        }
        if (Double.isNaN(b)) {
            return true;
        }
        return this == MAXIMIZE ? a > b : a < b;
    }

    /** Orders values best first (NaN last). */
    public int compareBestFirst(double a, double b) {
        return isBetter(a, b) ? -1 : isBetter(b, a) ? 1 : 0;
    }
}
