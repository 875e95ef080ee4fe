package dev.templatelab.storage.artifacts;

import java.net.URI;

/** Where an artifact was stored, its size in bytes and the SHA-256 of its content (64 lowercase hex digits). */
public record StoredArtifact(URI uri, long sizeBytes, String sha256) {
}
