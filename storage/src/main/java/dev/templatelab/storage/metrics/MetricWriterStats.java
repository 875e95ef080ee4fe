package dev.templatelab.storage.metrics;

/**
 * Counters of a {@link MetricWriter} since it started: rows handed to it, rows inserted, rows ignored
 * as re-sent epochs (already stored), rows dropped (their trial no longer exists), INSERT statements
 * run, and flushes that wrote something.
 */
public record MetricWriterStats(long rowsSubmitted, long rowsInserted, long rowsIgnored, long rowsDropped,
                                long statements, long flushes) {
}
