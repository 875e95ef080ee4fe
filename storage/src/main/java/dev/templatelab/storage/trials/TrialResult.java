package dev.templatelab.storage.trials;

/**
 * How a trial ended: the objective value (required to complete; for a pruned trial the last value,
 * may be null), the epoch of the best checkpoint and the compute used (each may be null).
 */
public record TrialResult(Double objectiveValue, Integer bestEpoch, Double cpuSeconds, Double gpuSeconds) {

    /** A result with only the objective value. */
    public static TrialResult of(double objectiveValue) {
        return new TrialResult(objectiveValue, null, null, null);
    }
}
