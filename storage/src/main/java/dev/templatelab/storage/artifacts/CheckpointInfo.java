package dev.templatelab.storage.artifacts;

import java.net.URI;
import java.time.Instant;

/** A stored checkpoint of one trial's epoch: where it is, its size and SHA-256, and whether it is the trial's best. */
public record CheckpointInfo(long id, long trialId, int epoch, URI uri, long sizeBytes, String sha256, boolean best,
                             Instant createdAt) {
}
