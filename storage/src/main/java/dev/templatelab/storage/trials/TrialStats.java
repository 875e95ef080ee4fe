package dev.templatelab.storage.trials;

import dev.templatelab.storage.metrics.Direction;

import java.util.Map;

/**
 * Trial counts of one experiment per state (every state present, 0 when none) and the lowest and
 * highest objective value among its COMPLETE trials (null when none completed).
 */
public record TrialStats(Map<TrialState, Long> countsByState, Double lowestObjective, Double highestObjective) {

    /** Number of trials in {@code state}. */
    public long count(TrialState state) {
        return countsByState.getOrDefault(state, 0L);
    }

    /** Number of trials that ended: COMPLETE, PRUNED, FAIL or CANCELLED. */
    public long finished() {
        return countsByState.entrySet().stream().filter(e -> e.getKey().isFinished()).mapToLong(Map.Entry::getValue)
                .sum();
    }

    /** Number of trials in every state. */
    public long total() {
        return countsByState.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The best COMPLETE objective value in {@code direction}, or null. */
    public Double best(Direction direction) {
        return direction == Direction.MAXIMIZE ? highestObjective : lowestObjective;
    }
}
