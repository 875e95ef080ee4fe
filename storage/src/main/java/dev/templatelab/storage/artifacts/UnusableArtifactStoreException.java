package dev.templatelab.storage.artifacts;

/**
 * This process cannot use its artifact store folder: it cannot be written, or it is not the store of this database's
 * experiments ({@link ArtifactStoreIdentity}). Thrown at start, so the process refuses to run instead of failing
 * every trial it takes; the message names the folder, why, and what to do.
 */
public class UnusableArtifactStoreException extends IllegalStateException {

    UnusableArtifactStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
