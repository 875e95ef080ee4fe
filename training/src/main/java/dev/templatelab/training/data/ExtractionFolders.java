package dev.templatelab.training.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
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
    private static final Duration STRAY_LOCK_AGE = Duration.ofMinutes(1);
    /**
     * This process's held folders and their locks (a lock is released by closing its channel). Its monitor orders
     * registering a folder against a sweep's look at it.
     */
    private static final Map<Path, FileChannel> HELD = new ConcurrentHashMap<>();

    private ExtractionFolders() {
    }

    /**
     * A new empty folder under {@code parent}, held by this process until {@link #delete} or {@link #keep}. Where the file
     * system has no locks (some network and container mounts) the folder is made unheld, with a warning: a sweep may
     * then take it from a run still using it.
     */
    static Path create(Path parent) throws IOException {
        Files.createDirectories(parent);
        Path base = parent.toRealPath();
        while (true) {
            // The lock first, then the folder: a sweep never sees a folder of ours without its lock held.
            Path lockFile = Files.createTempFile(base, PREFIX, LOCK_SUFFIX);
            Path folder = folderOf(lockFile);
            FileChannel channel = null;
            try {
                channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                if (!lock(channel, base)) {
                    channel.close();
                    Files.deleteIfExists(lockFile);
                    return Files.createDirectory(folder);
                }
                synchronized (HELD) {
                    HELD.put(folder, channel);   // before the folder exists: this JVM's sweeps never open its lock file
                }
                Files.createDirectory(folder);
                return folder;
            } catch (FileAlreadyExistsException | OverlappingFileLockException taken) {
                release(folder, channel, lockFile);   // a folder of that name from elsewhere: draw another name
            } catch (IOException | RuntimeException | Error e) {
                release(folder, channel, lockFile);
                throw e;
            }
        }
    }

    /** Locks {@code channel}; false where this file system cannot lock (said once per folder, as a warning). */
    private static boolean lock(FileChannel channel, Path base) {
        try {
            channel.lock();
            return true;
        } catch (IOException unsupported) {
            System.getLogger(ExtractionFolders.class.getName()).log(System.Logger.Level.WARNING, "cannot lock files in "
                    + base + " (" + unsupported.getMessage() + "): extraction folders there are not protected from the "
                    + "sweep of another run that starts meanwhile; put TEMPLATELAB_HOME on a local disk");
            return false;
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
        release(folder, HELD.get(folder), lockFile(folder));
    }

    /** Closes the lock's channel and deletes its file, and only then forgets the folder (a sweep skips it until then). */
    private static void release(Path folder, FileChannel channel, Path lockFile) {
        try {
            if (channel != null) {
                channel.close();
            }
            Files.deleteIfExists(lockFile);
        } catch (IOException ignored) {
            // A lock file left behind is harmless: it is empty and locks nothing.
        } finally {
            synchronized (HELD) {
                HELD.remove(folder, channel);
            }
        }
    }

    /**
     * Deletes the extraction folders under {@code parent} that no running process holds: left by a run that was killed,
     * or by a version without locks. Returns how many; a folder another process holds, or this one, is left alone.
     */
    public static int sweepAbandoned(Path parent) {
        return sweepAbandoned(parent, folder -> false);
    }

    /**
     * As {@link #sweepAbandoned(Path)}, keeping also the unheld folders {@code kept} names (asked while holding the
     * folder's lock, so a folder kept and released meanwhile is judged as kept).
     */
    public static int sweepAbandoned(Path parent, Predicate<Path> kept) {
        List<Path> entries;
        try (Stream<Path> listed = Files.list(parent.toRealPath())) {
            entries = listed.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList();
        } catch (IOException e) {
            return 0;   // no such folder yet, or unreadable: nothing of ours to sweep
        }
        int removed = 0;
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (Files.isDirectory(entry) && !name.endsWith(LOCK_SUFFIX)) {
                removed += deleteIfAbandoned(entry, kept) ? 1 : 0;
            } else if (name.endsWith(LOCK_SUFFIX)) {
                deleteIfStray(entry, folderOf(entry));
            }
        }
        return removed;
    }

    /**
     * Deletes a lock file without its folder that nobody holds and that is a minute old: left by a process killed
     * between the two. A younger one may be create()'s, about to be locked.
     */
    private static void deleteIfStray(Path lockFile, Path folder) {
        synchronized (HELD) {
            try {
                if (HELD.containsKey(folder) || Files.exists(folder) || Files.getLastModifiedTime(lockFile).toInstant()
                        .isAfter(Instant.now().minus(STRAY_LOCK_AGE))) {
                    return;
                }
                try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                    if (channel.tryLock() != null && !Files.exists(folder)) {
                        Files.deleteIfExists(lockFile);
                    }
                }
            } catch (IOException | OverlappingFileLockException e) {
                // gone already, or held here: nothing to do
            }
        }
    }

    /**
     * Deletes {@code folder} and its lock file if no process holds the lock and it is not kept. Under HELD's monitor
     * throughout: closing any channel on a file drops every lock this process has on it (POSIX), so this JVM must never
     * open a second channel on a lock file it holds, nor two sweeps one on the same file.
     */
    private static boolean deleteIfAbandoned(Path folder, Predicate<Path> kept) {
        synchronized (HELD) {
            if (HELD.containsKey(folder)) {
                return false;
            }
            Path lockFile = lockFile(folder);
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    return false;   // another process holds it
                }
                if (kept.test(folder)) {
                    Files.deleteIfExists(lockFile);   // a kept folder has none: this sweep made it
                    return false;
                }
                SafeZipExtractor.deleteRecursively(folder);
                Files.deleteIfExists(lockFile);
                return true;
            } catch (IOException | OverlappingFileLockException e) {
                return false;
            }
        }
    }

    private static Path lockFile(Path folder) {
        return folder.resolveSibling(folder.getFileName() + LOCK_SUFFIX);
    }

    private static Path folderOf(Path lockFile) {
        String name = lockFile.getFileName().toString();
        return lockFile.resolveSibling(name.substring(0, name.length() - LOCK_SUFFIX.length()));
    }
}
