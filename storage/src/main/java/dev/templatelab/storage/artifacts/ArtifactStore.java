package dev.templatelab.storage.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;

/**
 * Where checkpoints and other large files live, addressed by keys such as
 * {@code experiments/3/trials/12/epoch-0004-9f2c.ckpt} (segments of letters, digits, {@code . _ -};
 * no {@code ..}, no leading dot). Writes are atomic: a reader sees the old file or the whole new one.
 */
public interface ArtifactStore {

    /**
     * Stores what {@code writer} writes under {@code key} (replacing what was there, atomically: a failing writer
     * leaves the old artifact) and returns URI, size, SHA-256. The writer may close the stream it is given.
     */
    StoredArtifact write(String key, Writer writer) throws IOException;

    /** Produces an artifact's bytes straight into the store, with no staging copy of its own. */
    @FunctionalInterface
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Stores the stream's bytes under {@code key} (replacing what was there) and returns URI, size, SHA-256. */
    default StoredArtifact put(InputStream content, String key) throws IOException {
        return write(key, content::transferTo);
    }

    /** The URI of what is (or would be) stored under {@code key}, without touching it; rejects a malformed key. */
    URI uri(String key);

    /** Stores a copy of {@code file} under {@code key}. */
    default StoredArtifact put(Path file, String key) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return put(in, key);
        }
    }

    /**
     * Opens an artifact after checking its content against {@code expectedSha256}; a mismatch (corrupt
     * or replaced file) fails with {@link ArtifactIntegrityException} before any byte is handed out.
     */
    InputStream open(URI uri, String expectedSha256) throws IOException;

    /** Opens what {@link #put} returned, verifying its SHA-256. */
    default InputStream open(StoredArtifact artifact) throws IOException {
        return open(artifact.uri(), artifact.sha256());
    }

    /** Deletes the artifact; false if it did not exist. */
    boolean delete(URI uri) throws IOException;

    /** Whether the artifact exists. */
    boolean exists(URI uri);

    /**
     * Deletes every artifact whose key starts with the folder {@code keyPrefix} (e.g. {@code experiments/3}: all
     * of that experiment's checkpoints, including any a crashed writer left without a row); returns how many files.
     */
    int deleteAll(String keyPrefix) throws IOException;
}
