package dev.templatelab.storage.events;

import java.time.Instant;

/** One log line of an experiment; {@code trialId} is null for experiment-wide events. */
public record EventInfo(long id, long experimentId, Long trialId, EventLevel level, String message, Instant at) {
}
