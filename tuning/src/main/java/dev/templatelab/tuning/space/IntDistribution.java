package dev.templatelab.tuning.space;

/**
 * Integers in [low, high] on the grid low, low + step, ... high, or log-uniform ({@code log}, then step is 1).
 */
public record IntDistribution(int low, int high, boolean log, int step) implements Distribution {

    public IntDistribution {
        if (low > high) {
            throw new IllegalArgumentException("low " + low + " is above high " + high);
        }
        if (step < 1) {
            throw new IllegalArgumentException("step must be a positive integer, got " + step);
        }
        if (log && step != 1) {
            throw new IllegalArgumentException("log and step cannot be combined (a log range has no even grid)");
        }
        if (log && low < 1) {
            throw new IllegalArgumentException("a log range needs low > 0, got low " + low);
        }
        if (((long) high - low) % step != 0) {
            throw new IllegalArgumentException("step " + step + " does not divide the range " + low + ".." + high
                    + " (width " + ((long) high - low) + ")");
        }
    }

    /** Every integer in [low, high]. */
    public static IntDistribution range(int low, int high) {
        return new IntDistribution(low, high, false, 1);
    }

    /** Integers in [low, high], log-uniform. */
    public static IntDistribution logRange(int low, int high) {
        return new IntDistribution(low, high, true, 1);
    }

    /** Number of values. */
    public long gridSize() {
        return ((long) high - low) / step + 1;
    }

    /** The i-th value (i from 0). */
    public int gridPoint(long i) {
        return (int) (low + i * step);
    }

    @Override
    public boolean contains(Object value) {
        if (!(value instanceof Number n)) {
            return false;
        }
        double v = n.doubleValue();
        return v == Math.rint(v) && v >= low && v <= high && ((long) v - low) % step == 0;
    }

    @Override
    public boolean isSingle() {
        return low == high;
    }

    @Override
    public double toInternal(Object value) {
        return ((Number) value).doubleValue();
    }

    @Override
    public Integer fromInternal(double internal) {
        double clipped = Math.max(low, Math.min(high, internal));
        return gridPoint(Math.round((clipped - low) / step));
    }
}
