package dev.templatelab.storage.experiments;

/**
 * When an experiment stops: after {@code maxTrials} trials, {@code maxWallClockSeconds} seconds or
 * {@code maxTotalEpochs} epochs over all trials, or once the best objective reaches
 * {@code targetObjectiveValue}; each trial trains at most {@code maxEpochsPerTrial} epochs. A null
 * limit is no limit; the tuner enforces them, storage only keeps them.
 */
public record Budget(Integer maxTrials, Integer maxEpochsPerTrial, Long maxWallClockSeconds, Integer maxTotalEpochs,
                     Double targetObjectiveValue) {

    /** Limits must be positive when set. */
    public Budget {
        requirePositive("maxTrials", maxTrials);
        requirePositive("maxEpochsPerTrial", maxEpochsPerTrial);
        requirePositive("maxWallClockSeconds", maxWallClockSeconds);
        requirePositive("maxTotalEpochs", maxTotalEpochs);
        if (targetObjectiveValue != null && targetObjectiveValue.isNaN()) {
            throw new IllegalArgumentException("budget targetObjectiveValue must be a number");
        }
    }

    /** No limit at all (the tuner must be stopped by hand). */
    public static Budget unlimited() {
        return new Budget(null, null, null, null, null);
    }

    /** At most {@code maxTrials} trials of at most {@code maxEpochsPerTrial} epochs. */
    public static Budget of(int maxTrials, int maxEpochsPerTrial) {
        return new Budget(maxTrials, maxEpochsPerTrial, null, null, null);
    }

    private static void requirePositive(String name, Number value) {
        if (value != null && value.longValue() <= 0) {
            throw new IllegalArgumentException("budget " + name + " must be > 0 when set, got " + value);
        }
    }
}
