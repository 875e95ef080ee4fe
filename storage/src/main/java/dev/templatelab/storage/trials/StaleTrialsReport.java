package dev.templatelab.storage.trials;

import java.util.List;

/** What {@link TrialService#requeueStale} did: trial ids put back to WAITING and ids failed for good. */
public record StaleTrialsReport(List<Long> requeued, List<Long> failed) {
}
