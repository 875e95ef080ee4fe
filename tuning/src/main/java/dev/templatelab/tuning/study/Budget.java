package dev.templatelab.tuning.study;

import java.time.Duration;

/**
 * When a study stops asking for trials. Every limit is optional (null = no limit).
 *
 * @param maxTrials      trials asked for, running ones included
 * @param maxWallClock   time since the study was created
 * @param maxTotalEpochs epochs reported over all trials
 * @param target         an objective value that is good enough (reached by a complete trial)
 */
public record Budget(Integer maxTrials, Duration maxWallClock, Long maxTotalEpochs, Double target) {

    public Budget {
        if (maxTrials != null && maxTrials < 1) {
            throw new IllegalArgumentException("maxTrials must be at least 1, got " + maxTrials);
        }
        if (maxWallClock != null && (maxWallClock.isNegative() || maxWallClock.isZero())) {
            throw new IllegalArgumentException("maxWallClock must be positive, got " + maxWallClock);
        }
        if (maxTotalEpochs != null && maxTotalEpochs < 1) {
            throw new IllegalArgumentException("maxTotalEpochs must be at least 1, got " + maxTotalEpochs);
        }
        if (target != null && !Double.isFinite(target)) {
            throw new IllegalArgumentException("target must be a finite number, got " + target);
        }
    }

    /** No limit: the study runs until stopped (or a grid is exhausted). */
    public static Budget unlimited() {
        return new Budget(null, null, null, null);
    }

    /** This budget with at most {@code n} trials. */
    public Budget withMaxTrials(int n) {
        return new Budget(n, maxWallClock, maxTotalEpochs, target);
    }

    /** This budget with at most {@code d} since the study was created. */
    public Budget withMaxWallClock(Duration d) {
        return new Budget(maxTrials, d, maxTotalEpochs, target);
    }

    /** This budget with at most {@code epochs} reported epochs over all trials. */
    public Budget withMaxTotalEpochs(long epochs) {
        return new Budget(maxTrials, maxWallClock, epochs, target);
    }

    /** This budget, stopping once a complete trial reaches {@code value}. */
    public Budget withTarget(double value) {
        return new Budget(maxTrials, maxWallClock, maxTotalEpochs, value);
    }
}
