package dev.templatelab.training.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.utils.InputStreamStatistics;

/**
 * Extracts a zip into a fresh folder without trusting anything the archive declares.
 * Paths are checked before anything is written, sizes are counted while streaming, and on any failure
 * the whole extraction folder is deleted so no half-written dataset is left behind.
 */
final class SafeZipExtractor {

    /** Tiny entries compress wildly (a blank file) yet cannot hurt, so the ratio is judged only past this size. */
    static final long RATIO_CHECK_MIN_BYTES = 1L << 20;

    private static final int BUFFER_SIZE = 64 * 1024;

    private SafeZipExtractor() {
    }

    /**
     * Extracts {@code zip} into a new subfolder of {@code workDir} and returns that subfolder, telling {@code progress}
     * how many entries are written and asking it before each whether to stop. The folder is held by this process
     * ({@link ExtractionFolders}): the caller ends with {@link ExtractionFolders#delete} or {@link ExtractionFolders#keep}.
     */
    static Path extract(Path zip, Path workDir, ImportLimits limits, ImportProgress progress) {
        requireZipSignature(zip);
        Path target;
        try {
            target = ExtractionFolders.create(workDir);
        } catch (IOException e) {
            throw new DatasetException("cannot create an extraction folder in " + workDir + ": " + e.getMessage(), e);
        }
        try {
            extractInto(zip, target, limits, progress);
            return target;
        } catch (RuntimeException | Error e) {
            ExtractionFolders.delete(target);
            throw e;
        }
    }

    private static void extractInto(Path zip, Path target, ImportLimits limits, ImportProgress progress) {
        try (ZipFile zipFile = ZipFile.builder().setPath(zip).get()) {
            // Entries come from the central directory, the archive's authoritative index.
            List<ZipArchiveEntry> entries = Collections.list(zipFile.getEntries());
            if (entries.size() > limits.maxEntries()) {
                throw new DatasetException(zip + " has more than " + limits.maxEntries() + " entries ("
                        + entries.size() + "); split the archive or raise the entry limit");
            }
            // Check every name first so a bad entry late in the archive writes nothing at all.
            Set<Path> seen = new HashSet<>();
            List<Path> destinations = new ArrayList<>();
            for (ZipArchiveEntry entry : entries) {
                Path destination = safeDestination(zip, target, entry);
                if (!entry.isDirectory() && !seen.add(destination)) {
                    throw new DatasetException(zip + " lists '" + entry.getName() + "' twice; an archive with"
                            + " repeated names is ambiguous, re-create it");
                }
                if (entry.isUnixSymlink()) {
                    throw new DatasetException(zip + " contains the symbolic link '" + entry.getName()
                            + "'; links are not allowed in datasets, replace it with the file itself");
                }
                if (!zipFile.canReadEntryData(entry)) {
                    throw new DatasetException(zip + ": entry '" + entry.getName()
                            + "' is encrypted or uses an unsupported compression method; re-create the zip without"
                            + " a password using deflate");
                }
                destinations.add(destination);
            }
            long[] total = {0};
            int files = (int) entries.stream().filter(e -> !e.isDirectory()).count();   // what progress counts
            int written = 0;
            for (int i = 0; i < entries.size(); i++) {
                ZipArchiveEntry entry = entries.get(i);
                Path destination = destinations.get(i);
                if (entry.isDirectory()) {
                    Files.createDirectories(destination);
                    continue;
                }
                progress.progressed(ImportProgress.Phase.EXTRACTING, written, files);
                if (progress.stopRequested()) {
                    throw new ImportStoppedException("stopped while extracting " + zip + " (" + written + " of "
                            + files + " files written)");
                }
                Files.createDirectories(destination.getParent());
                copyEntry(zip, zipFile, entry, destination, limits, total);
                written++;
            }
            progress.progressed(ImportProgress.Phase.EXTRACTING, written, files);
        } catch (IOException e) {
            throw new DatasetException("cannot read zip " + zip + ": " + e.getMessage()
                    + "; check that the file is a complete, valid zip archive", e);
        }
    }

    /** The normalized destination of an entry, or a DatasetException when it would land outside {@code target}. */
    private static Path safeDestination(Path zip, Path target, ZipArchiveEntry entry) {
        String name = entry.getName().replace('\\', '/');
        boolean absolute = name.startsWith("/") || name.matches("^[A-Za-z]:.*");
        boolean parentStep = ("/" + name + "/").contains("/../");
        Path destination = null;
        if (!name.isEmpty() && name.indexOf('\0') < 0 && !absolute && !parentStep) {
            destination = target.resolve(name).normalize();
        }
        if (destination == null || !destination.startsWith(target)
                || (!entry.isDirectory() && destination.equals(target))) {
            throw new DatasetException(zip + " contains the entry '" + entry.getName()
                    + "', whose path leaves the extraction folder; archives may only hold relative paths"
                    + " without '..' (re-create the zip from the dataset folder)");
        }
        return destination;
    }

    private static void copyEntry(Path zip, ZipFile zipFile, ZipArchiveEntry entry, Path destination,
                                  ImportLimits limits, long[] total) throws IOException {
        // Counted from the bytes actually inflated, never from the sizes the archive declares.
        try (InputStream in = zipFile.getInputStream(entry);
             OutputStream out = Files.newOutputStream(destination, StandardOpenOption.CREATE_NEW)) {
            byte[] buffer = new byte[BUFFER_SIZE];
            long written = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                written += n;
                total[0] += n;
                if (total[0] > limits.maxUncompressedBytes()) {
                    throw new DatasetException(zip + " expands to more than " + limits.maxUncompressedBytes()
                            + " bytes (reached while extracting '" + entry.getName() + "'); use a smaller archive"
                            + " or raise the size limit");
                }
                if (written > RATIO_CHECK_MIN_BYTES) {
                    double ratio = (double) written / Math.max(1, compressedBytesRead(in, entry));
                    if (ratio > limits.maxCompressionRatio()) {
                        throw new DatasetException(zip + ": entry '" + entry.getName() + "' expands more than "
                                + (long) limits.maxCompressionRatio() + " times its compressed size"
                                + String.format(Locale.ROOT, " (%.0fx)", ratio)
                                + ", which looks like a zip bomb; images do not compress that well");
                    }
                }
                out.write(buffer, 0, n);
            }
        }
    }

    private static long compressedBytesRead(InputStream in, ZipArchiveEntry entry) {
        if (in instanceof InputStreamStatistics stats) {
            return stats.getCompressedCount();
        }
        return entry.getCompressedSize();
    }

    private static void requireZipSignature(Path zip) {
        byte[] head = new byte[4];
        int read;
        try (InputStream in = Files.newInputStream(zip)) {
            read = in.readNBytes(head, 0, 4);
        } catch (IOException e) {
            throw new DatasetException("cannot read " + zip + ": " + e.getMessage(), e);
        }
        boolean localHeader = read == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        boolean emptyArchive = read == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 5 && head[3] == 6;
        if (!localHeader && !emptyArchive) {
            throw new DatasetException(zip + " is not a zip archive (it does not start with a zip signature);"
                    + " upload a .zip made with a zip tool, or a folder of class folders");
        }
    }

    /** Best-effort recursive delete; used to roll back a failed extraction. */
    static void deleteRecursively(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(Collections.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Keep deleting the rest; a leftover file is reported by the caller's own error.
                }
            });
        } catch (IOException ignored) {
            // Nothing more can be done here.
        }
    }
}
