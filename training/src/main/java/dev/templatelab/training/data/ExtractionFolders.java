package dev.templatelab.training.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The folders zips are extracted into ({@code import-N}), each held by the process using it through an operating-system
 * lock on a file beside it ({@code import-N.lock}). The system drops the lock when the process ends, however it ends, so
 * {@link #sweepAbandoned} can tell the extraction of a killed run (kill -9, a power cut) from one still training, which
 * may run for days: an age alone cannot.
 */
public final class ExtractionFolders {

    private static final String PREFIX = "import-";
    private static final String LOCK_SUFFIX = ".lock";
    /** This process's held folders and their locks (the lock is released by closing its channel). */
    private static final Map<Path, FileChannel> HELD = new ConcurrentHashMap<>();

    private ExtractionFolders() {
    }

    /** A new empty folder under {@code parent}, held by this process until {@link #delete} or {@link #keep}. */
    static Path create(Path parent) throws IOException {
        Files.createDirectories(parent);
        Path base = parent.toRealPath();
        while (true) {
            // The lock first, then the folder: a sweep never sees a folder of ours without its lock held.
            Path lockFile = Files.createTempFile(base, PREFIX, LOCK_SUFFIX);
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
            try {
                channel.lock();
                String name = lockFile.getFileName().toString();
                Path folder = base.resolve(name.substring(0, name.length() - LOCK_SUFFIX.length()));
                Files.createDirectory(folder);
                HELD.put(folder, channel);
                return folder;
            } catch (FileAlreadyExistsException taken) {
                channel.close();
                Files.deleteIfExists(lockFile);   // a folder of that name from elsewhere: draw another name
            } catch (IOException | RuntimeException e) {
                channel.close();
                Files.deleteIfExists(lockFile);
                throw e;
            }
        }
    }

    /** Deletes a held folder with everything in it, then gives up its lock. */
    static void delete(Path folder) {
        SafeZipExtractor.deleteRecursively(folder);
        release(folder);
    }

    /**
     * Keeps a held folder and gives up its lock: for a folder that becomes a dataset's home or is moved away, never one
     * left where {@link #sweepAbandoned} looks (unheld, it would be swept).
     */
    static void keep(Path folder) {
        release(folder);
    }

    private static void release(Path folder) {
        FileChannel channel = HELD.remove(folder);
        try {
            if (channel != null) {
                channel.close();
            }
            Files.deleteIfExists(lockFile(folder));
        } catch (IOException ignored) {
            // A lock file left unlocked is swept with the next abandoned folders.
        }
    }

    /**
     * Deletes the extraction folders under {@code parent} that no running process holds: left by a run that was killed,
     * or by a version without locks. Returns how many; a folder another process holds, or this one, is left alone.
     */
    public static int sweepAbandoned(Path parent) {
        List<Path> folders;
        try (Stream<Path> entries = Files.list(parent.toRealPath())) {
            // Folders only: a lone lock file may be one that create() has not locked yet (and is empty anyway).
            folders = entries.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isDirectory(p)
                    && !p.getFileName().toString().endsWith(LOCK_SUFFIX)).toList();
        } catch (IOException e) {
            return 0;   // no such folder yet, or unreadable: nothing of ours to sweep
        }
        int removed = 0;
        for (Path folder : folders) {
            if (deleteIfAbandoned(folder)) {
                removed++;
            }
        }
        return removed;
    }

    /** Deletes {@code folder} and its lock file if no process holds the lock. */
    private static boolean deleteIfAbandoned(Path folder) {
        if (HELD.containsKey(folder)) {
            return false;
        }
        Path lockFile = lockFile(folder);
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false;   // another process holds it
            }
            SafeZipExtractor.deleteRecursively(folder);
            Files.deleteIfExists(lockFile);
            return true;
        } catch (OverlappingFileLockException heldHere) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path lockFile(Path folder) {
        return folder.resolveSibling(folder.getFileName() + LOCK_SUFFIX);
    }
}
