package dev.templatelab.storage.artifacts;

import java.io.IOException;

/** A stored artifact's content no longer matches the SHA-256 recorded when it was written. */
public class ArtifactIntegrityException extends IOException {

    ArtifactIntegrityException(String message) {
        super(message);
    }
}
