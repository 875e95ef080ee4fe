package dev.templatelab.tuning.execution;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes a short file-system step exclusive among all the processes sharing one {@code TEMPLATELAB_HOME} (several
 * {@code worker}s on one machine): an operating-system lock on {@code file}. The OS lock belongs to the whole process,
 * so this process's threads queue on a monitor first.
 */
final class SharedHomeLock {

    private static final Map<Path, Object> MONITORS = new ConcurrentHashMap<>();

    private final Path file;

    SharedHomeLock(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    Path file() {
        return file;
    }

    /** A step that may fail with an {@link IOException}. */
    interface Step<T> {
        T run() throws IOException;
    }

    /** Runs {@code step} holding the lock; waits while another process (or thread) holds it. */
    <T> T holding(Step<T> step) throws IOException {
        synchronized (MONITORS.computeIfAbsent(file, f -> new Object())) {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock held = channel.lock()) {
                return step.run();
            }
        }
    }
}
