package dev.templatelab.training;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Temporary files that are renamed into place as the files a user asked for. */
public final class TempFiles {

    private TempFiles() {
    }

    /**
     * A new empty file {@code .<name>.<random>.tmp} in {@code target}'s folder (which must exist), created with the
     * permissions the process's umask gives any new file. {@link Files#createTempFile} makes it owner-only (0600),
     * and a checkpoint or output renamed from it would stay unreadable to the group and others, unlike any file the
     * user writes otherwise.
     */
    public static Path nextTo(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        while (true) {
            Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(
                    ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException taken) {
                // another writer's temporary file: draw another name
            }
        }
    }
}
