package dev.templatelab.tuning.execution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** File-system chores of the workers' scratch folders. */
final class Folders {

    private static final Logger log = LoggerFactory.getLogger(Folders.class);

    private Folders() {
    }

    /** Deletes a file or a folder with everything in it; a failure is logged, not thrown (it is only scratch). */
    static void deleteQuietly(Path path) {
        if (path == null || !Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            log.warn("Could not delete {}: {}", path, e.getMessage());
        }
    }
}
