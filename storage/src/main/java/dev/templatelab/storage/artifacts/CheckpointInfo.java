package dev.templatelab.storage.artifacts;

import java.net.URI;
import java.time.Instant;

/**
 * A stored checkpoint of one trial's epoch: where it is, its size and SHA-256, whether it is the trial's best, and
 * whether a worker got the pruner's verdict on that epoch (a trial taken up again is judged there only if not).
 */
public record CheckpointInfo(long id, long trialId, int epoch, URI uri, long sizeBytes, String sha256, boolean best,
                             boolean judged, Instant createdAt) {
}
