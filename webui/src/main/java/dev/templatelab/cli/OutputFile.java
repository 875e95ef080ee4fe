package dev.templatelab.cli;

import dev.templatelab.training.FileErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The up-front check of a file a command is to write ({@code train --out}, {@code infer --output}, ...): a path that
 * cannot be written is bad input, said before any work (a dataset import, an epoch of training) rather than after.
 */
final class OutputFile {

    private OutputFile() {
    }

    /**
     * Refuses {@code file} unless it can be written: not empty, not a folder, and its folder (or, where that does not
     * exist yet, the nearest existing folder above it, under which the writer creates the rest) is a folder that
     * takes a new file. {@code what} names the file in the message, e.g. "the checkpoint file".
     */
    static void requireWritable(String option, Path file, String what) {
        if (file.toString().isBlank()) {
            throw new IllegalArgumentException(option + " is empty; give " + what + " to write");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + " is a folder; give " + what + " to write");
        }
        Path existing = file.toAbsolutePath().getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;   // no part of the path exists, not even a root: nothing to check here
        }
        if (!Files.isDirectory(existing)) {
            throw new IllegalArgumentException(option + " " + file + " cannot be written: " + existing
                    + " is a file, not a folder");
        }
        // Only trying says it all: permissions, a read-only file system, /proc, a full disk's quota.
        try {
            Files.delete(Files.createTempFile(existing, ".templatelab-write-check-", ".tmp"));
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + " cannot be written: cannot create a file in "
                    + existing + " (" + FileErrors.reason(e) + ")", e);
        }
    }
}
