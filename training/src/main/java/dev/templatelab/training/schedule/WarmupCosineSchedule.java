package dev.templatelab.training.schedule;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The RSB / mmcls schedule: linear warm-up from {@code base x warmupRatio} to {@code base} over
 * {@code warmupIterations}, then cosine annealing to {@code min} at {@code totalIterations}.
 * Iteration-based (DL4J counts iterations across epochs), so resuming continues the curve.
 */
public final class WarmupCosineSchedule implements ISchedule {

    private final double base;
    private final double min;
    private final int warmupIterations;
    private final double warmupRatio;
    private final int totalIterations;

    public WarmupCosineSchedule(@JsonProperty("base") double base, @JsonProperty("min") double min,
                                @JsonProperty("warmupIterations") int warmupIterations,
                                @JsonProperty("warmupRatio") double warmupRatio,
                                @JsonProperty("totalIterations") int totalIterations) {
        if (base <= 0 || min < 0 || min > base || warmupIterations < 0 || totalIterations < 1) {
            throw new IllegalArgumentException("invalid cosine schedule: base " + base + ", min " + min
                    + ", warm-up " + warmupIterations + ", total " + totalIterations);
        }
        this.base = base;
        this.min = min;
        this.warmupIterations = warmupIterations;
        this.warmupRatio = warmupRatio;
        this.totalIterations = totalIterations;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (iteration < warmupIterations) {
            double start = base * warmupRatio;
            return start + (base - start) * iteration / warmupIterations;
        }
        int span = Math.max(1, totalIterations - warmupIterations);
        double progress = Math.min(1.0, (double) (iteration - warmupIterations) / span);
        return min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * progress));
    }

    @Override
    public ISchedule clone() {
        return new WarmupCosineSchedule(base, min, warmupIterations, warmupRatio, totalIterations);
    }

    public double getBase() {
        return base;
    }

    public double getMin() {
        return min;
    }

    public int getWarmupIterations() {
        return warmupIterations;
    }

    public double getWarmupRatio() {
        return warmupRatio;
    }

    public int getTotalIterations() {
        return totalIterations;
    }
}
