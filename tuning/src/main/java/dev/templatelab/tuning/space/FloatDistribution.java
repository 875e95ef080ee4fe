package dev.templatelab.tuning.space;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;

/**
 * Real numbers in [low, high], uniform, log-uniform ({@code log}) or on the grid low, low + step, ... high.
 *
 * @param step grid spacing, or null for a continuous range; cannot be combined with {@code log}
 */
public record FloatDistribution(double low, double high, boolean log,
                                @JsonInclude(JsonInclude.Include.ALWAYS) Double step) implements Distribution {

    /** Relative tolerance for "is on the step grid": decimal steps such as 0.1 are not exact in binary. */
    private static final double GRID_TOLERANCE = 1e-9;

    public FloatDistribution {
        if (!Double.isFinite(low) || !Double.isFinite(high)) {
            throw new IllegalArgumentException("bounds must be finite numbers, got " + low + ".." + high);
        }
        if (low > high) {
            throw new IllegalArgumentException("low " + low + " is above high " + high);
        }
        if (log && step != null) {
            throw new IllegalArgumentException("log and step cannot be combined (a log range has no even grid)");
        }
        if (log && low <= 0) {
            throw new IllegalArgumentException("a log range needs low > 0, got low " + low);
        }
        if (step != null) {
            if (!(step > 0) || !Double.isFinite(step)) {
                throw new IllegalArgumentException("step must be a positive number, got " + step);
            }
            if (!onGrid(high - low, step)) {
                throw new IllegalArgumentException("step " + step + " does not divide the range " + low + ".." + high
                        + " (width " + (high - low) + ")");
            }
        }
    }

    /** Uniform on [low, high]. */
    public static FloatDistribution uniform(double low, double high) {
        return new FloatDistribution(low, high, false, null);
    }

    /** Log-uniform on [low, high]. */
    public static FloatDistribution logUniform(double low, double high) {
        return new FloatDistribution(low, high, true, null);
    }

    /** Number of grid points, or 0 for a continuous range. */
    public long gridSize() {
        return step == null ? (low == high ? 1 : 0) : Math.round((high - low) / step) + 1;
    }

    /** The i-th grid point (i from 0), computed in decimal so that 0 + 3 x 0.1 is 0.3, not 0.30000000000000004. */
    public double gridPoint(long i) {
        double v = BigDecimal.valueOf(low).add(BigDecimal.valueOf(step).multiply(BigDecimal.valueOf(i))).doubleValue();
        return Math.min(high, v);
    }

    @Override
    public boolean contains(Object value) {
        if (!(value instanceof Number n)) {
            return false;
        }
        double v = n.doubleValue();
        if (Double.isNaN(v) || v < low || v > high) {
            return false;
        }
        return step == null || onGrid(v - low, step);
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
    public Double fromInternal(double internal) {
        double v = Math.max(low, Math.min(high, internal));
        if (step != null) {
            v = gridPoint(Math.round((v - low) / step));
        }
        return v;
    }

    private static boolean onGrid(double width, double step) {
        double k = width / step;
        return Math.abs(k - Math.rint(k)) <= GRID_TOLERANCE * Math.max(1, Math.abs(k));
    }
}
