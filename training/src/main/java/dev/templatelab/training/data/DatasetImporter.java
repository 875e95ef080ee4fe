package dev.templatelab.training.data;

import dev.templatelab.training.data.ValidationReport.DuplicateFile;
import dev.templatelab.training.data.ValidationReport.SkippedFile;
import dev.templatelab.training.data.ValidationReport.SmallClass;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns a folder of class folders, a zip of one, or a CSV manifest into a validated {@link ImageDataset}.
 * Unusable files are skipped and reported; conditions that make training pointless throw {@link DatasetException}.
 */
public final class DatasetImporter {

    /**
     * Threads that check images: decoding the pixels is most of an import's time. At most four, since each may hold
     * a large image's pixels.
     */
    private static final int CHECK_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    /** Operating-system clutter that is not hidden by a leading dot. */
    private static final Set<String> IGNORED_NAMES = Set.of("__MACOSX", "Thumbs.db", "desktop.ini");

    private DatasetImporter() {
    }

    /**
     * Imports {@code source}: a folder with one subfolder per class, a {@code .zip} of such a folder (extracted into
     * a fresh subfolder of {@code workDir}), or a {@code .csv} manifest of {@code path,label1;label2} rows.
     */
    public static ImportResult importFrom(Path source, Path workDir, ImportLimits limits) {
        return importFrom(source, workDir, limits, ImportProgress.NONE);
    }

    /**
     * As {@link #importFrom(Path, Path, ImportLimits)}, telling {@code progress} how far it got (a large dataset takes
     * minutes) and asking it before each file whether to stop: once it says so, throws {@link ImportStoppedException},
     * leaving nothing behind.
     */
    public static ImportResult importFrom(Path source, Path workDir, ImportLimits limits, ImportProgress progress) {
        return importFrom(source, null, workDir, limits, progress);
    }

    /**
     * As {@link #importFrom(Path, Path, ImportLimits, ImportProgress)}, naming a zip {@code zipShownAs} in messages and
     * warnings (e.g. the file name a user uploaded, not the server's copy of it); null names it by its path.
     */
    public static ImportResult importFrom(Path source, String zipShownAs, Path workDir, ImportLimits limits,
                                          ImportProgress progress) {
        if (source == null || limits == null || progress == null) {
            throw new IllegalArgumentException("source, limits and progress are required");
        }
        if (!Files.exists(source)) {
            throw new DatasetException("dataset path " + source.toAbsolutePath() + " does not exist; check the path");
        }
        String name = source.getFileName() == null ? "" : source.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isDirectory(source)) {
            return fromFolder(realPath(source), limits, progress);
        }
        if (name.endsWith(".zip")) {
            if (workDir == null) {
                throw new IllegalArgumentException("a work folder is required to extract " + source);
            }
            return fromZip(source.toAbsolutePath(), zipShownAs == null ? source.toString() : zipShownAs, workDir, limits,
                    progress);
        }
        if (name.endsWith(".csv")) {
            return fromManifest(realPath(source), limits, progress);
        }
        throw new DatasetException(source + " is neither a folder, a .zip archive nor a .csv manifest;"
                + " give a folder with one subfolder per class, a zip of it, or a CSV of path,label rows");
    }

    /**
     * Imports a registered dataset's source again (as a trial does): reading headers only when its files hash as they
     * did at registration, whose import decoded each of them, else decoding each (a file that changed since, or one
     * the registration skipped as damaged, then counts as at any import). Decoding every image again would cost each
     * trial about an epoch's worth of image loading.
     */
    public static ImportResult importRegistered(Path source, Path workDir, String registeredContentHash,
                                               ImportProgress progress) {
        ImportLimits limits = ImportLimits.defaults();
        if (registeredContentHash != null) {
            ImportResult quick = importFrom(source, null, workDir, limits.headersOnly(), progress);
            if (quick.dataset().contentHash().equals(registeredContentHash)) {
                return quick;
            }
            quick.deleteExtraction();
        }
        return importFrom(source, null, workDir, limits, progress);
    }

    /**
     * Extracts the zip into a fresh folder and imports that. Messages and warnings name files inside the zip as
     * {@code shownAs/entry} (the user's zip and its entry names), not by the extraction folder, which the user never
     * saw and which is gone after a failed import.
     */
    private static ImportResult fromZip(Path zip, String shownAs, Path workDir, ImportLimits limits,
                                        ImportProgress progress) {
        Path extracted = SafeZipExtractor.extract(zip, workDir, limits, progress);
        try {
            ImportResult result = fromFolder(unwrapSingleFolder(extracted), limits, progress);
            return new ImportResult(result.dataset(), result.report().namedInside(extracted, Path.of(shownAs)),
                    result.root(), extracted);
        } catch (ImportStoppedException e) {
            ExtractionFolders.delete(extracted);
            throw new ImportStoppedException(e.getMessage().replace(extracted.toString(), shownAs));
        } catch (DatasetException e) {
            ExtractionFolders.delete(extracted);
            throw new DatasetException(e.getMessage().replace(extracted.toString(), shownAs), e);
        } catch (RuntimeException | Error e) {
            ExtractionFolders.delete(extracted); // no dataset, so no reason to keep its files
            throw e;
        }
    }

    /** Zips made by "compress folder" wrap everything in one folder; the class folders are one level down. */
    private static Path unwrapSingleFolder(Path root) {
        List<Path> children = visibleChildren(root);
        if (children.size() == 1 && Files.isDirectory(children.get(0), LinkOption.NOFOLLOW_LINKS)
                && visibleChildren(children.get(0)).stream()
                .anyMatch(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
            return children.get(0);
        }
        return root;
    }

    private static ImportResult fromFolder(Path root, ImportLimits limits, ImportProgress progress) {
        List<Candidate> candidates = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        List<String> declaredClasses = new ArrayList<>();
        for (Path child : visibleChildren(root)) {
            if (Files.isSymbolicLink(child)) {
                skipped.add(new SkippedFile(child, "symbolic link; copy the folder or file itself into the dataset"));
            } else if (Files.isDirectory(child)) {
                String label = child.getFileName().toString();
                declaredClasses.add(label);
                collectClassFolder(root, child, label, candidates, skipped);
            } else {
                skipped.add(new SkippedFile(child, "not inside a class folder; move it into the folder named after"
                        + " its class"));
            }
        }
        return build(root, root, candidates, skipped, declaredClasses, limits, progress);
    }

    private static void collectClassFolder(Path root, Path classDir, String label, List<Candidate> candidates,
                                           List<SkippedFile> skipped) {
        try (Stream<Path> paths = Files.walk(classDir)) {
            paths.filter(p -> !p.equals(classDir) && !isIgnored(root.relativize(p))).forEach(p -> {
                if (Files.isSymbolicLink(p)) {
                    skipped.add(new SkippedFile(p, "symbolic link; copy the file itself into the dataset"));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    candidates.add(new Candidate(p, List.of(label)));
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new DatasetException("cannot list class folder " + classDir + ": " + e.getMessage()
                    + "; check its permissions", e);
        }
    }

    private static ImportResult fromManifest(Path csv, ImportLimits limits, ImportProgress progress) {
        Path root = csv.getParent();
        Map<Path, ManifestReader.Row> seen = new HashMap<>();
        List<Candidate> candidates = new ArrayList<>();
        List<String> declaredClasses = new ArrayList<>();
        for (ManifestReader.Row row : ManifestReader.read(csv)) {
            String where = "row at line " + row.line() + " of manifest " + csv;
            Path file;
            try {
                Path relative = Path.of(row.path());
                file = relative.isAbsolute() ? null : root.resolve(relative).normalize();
            } catch (InvalidPathException e) {
                throw new DatasetException(where + " has an invalid path '" + row.path() + "'", e);
            }
            if (file == null || !file.startsWith(root)) {
                throw new DatasetException(where + " lists '" + row.path() + "', which is outside the manifest's"
                        + " folder " + root + "; paths must be relative to the CSV's folder and stay inside it");
            }
            if (!Files.isRegularFile(file)) {
                throw new DatasetException(where + " lists '" + row.path() + "', which does not exist in " + root
                        + "; fix the path (relative to the CSV's folder) or remove the row");
            }
            ManifestReader.Row earlier = seen.putIfAbsent(file, row);
            if (earlier != null) {
                throw new DatasetException("manifest " + csv + " lists '" + row.path() + "' twice (lines "
                        + earlier.line() + " and " + row.line() + "); list each image once, with several labels"
                        + " separated by ';'");
            }
            row.labels().stream().filter(l -> !declaredClasses.contains(l)).forEach(declaredClasses::add);
            candidates.add(new Candidate(file, row.labels()));
        }
        return build(csv, root, candidates, new ArrayList<>(), declaredClasses, limits, progress);
    }

    private record Candidate(Path file, List<String> labels) {
    }

    /** Validates candidates, drops duplicates, and assembles the dataset, its hash and the report. */
    private static ImportResult build(Path source, Path root, List<Candidate> candidates, List<SkippedFile> skipped,
                                      List<String> declaredClasses, ImportLimits limits, ImportProgress progress) {
        candidates.sort(Comparator.comparing(c -> relativeName(root, c.file())));
        Map<String, Path> firstBySha = new HashMap<>();
        List<ImageRecord> records = new ArrayList<>();
        List<DuplicateFile> duplicates = new ArrayList<>();
        StringBuilder hashInput = new StringBuilder();
        int checked = 0;
        ExecutorService pool = Executors.newFixedThreadPool(CHECK_THREADS, checkThreads());
        try {
            // Checked on several threads, taken in order: the report, the duplicates kept and the hash do not depend
            // on which thread finished first. A bounded window ahead keeps few decoded images in memory at once.
            Deque<Future<CheckedFile>> ahead = new ArrayDeque<>();
            int submitted = 0;
            for (Candidate candidate : candidates) {
                progress.progressed(ImportProgress.Phase.CHECKING, checked, candidates.size());
                if (progress.stopRequested()) {
                    throw new ImportStoppedException("stopped while reading " + source + " (" + checked + " of "
                            + candidates.size() + " files checked)");
                }
                while (submitted < candidates.size() && ahead.size() < 4 * CHECK_THREADS) {
                    Path next = candidates.get(submitted++).file();
                    ahead.add(pool.submit(() -> CheckedFile.of(next, limits)));
                }
                CheckedFile result = await(ahead.removeFirst(), source);
                checked++;
                Path file = candidate.file();
                if (result.problem() != null) {
                    skipped.add(new SkippedFile(file, result.problem()));
                    continue;
                }
                String sha = result.sha256();
                Path kept = firstBySha.putIfAbsent(sha, file);
                if (kept != null) {
                    duplicates.add(new DuplicateFile(file, kept, sha));
                    continue;
                }
                records.add(new ImageRecord(file, candidate.labels()));
                // Labels sorted: "cat;dog" and "dog;cat" mean the same thing, so they hash the same.
                hashInput.append(relativeName(root, file)).append('\t')
                        .append(String.join(";", new TreeSet<>(candidate.labels()))).append('\t')
                        .append(sha).append('\n');
            }
        } finally {
            pool.shutdownNow();
        }
        progress.progressed(ImportProgress.Phase.CHECKING, checked, candidates.size());
        if (records.isEmpty()) {
            boolean manifest = !source.equals(root);   // a folder (or a zip's) is its own root; a CSV lies in it
            String why = skipped.isEmpty() && duplicates.isEmpty()
                    ? manifest ? "; the manifest lists no images: expected rows 'path,label' (e.g. cat/1.jpg,cat), "
                            + "paths relative to its folder"
                    : "; expected one subfolder per class (e.g. cat/ and dog/) holding " + ImageFiles.FORMAT_NAMES
                            + " files"
                    : "; " + skipped.size() + " file(s) were skipped"
                    + (skipped.isEmpty() ? "" : ", e.g. " + skipped.get(0).file() + ": " + skipped.get(0).reason());
            throw new DatasetException("dataset " + source + " has no usable images" + why);
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (ImageRecord record : records) {
            record.labels().forEach(label -> counts.merge(label, 1, Integer::sum));
        }
        if (counts.size() < limits.minClasses()) {
            String only = counts.keySet().iterator().next();
            throw new DatasetException("dataset " + source + " has only one class ('" + only + "'); a classifier"
                    + " needs at least two — add a folder (or manifest label) per class" + nestedClassesHint(root, only));
        }
        List<SmallClass> small = new ArrayList<>();
        for (String declared : declaredClasses) {
            if (!counts.containsKey(declared)) {
                small.add(new SmallClass(declared, 0, limits.minImagesPerClass()));
            }
        }
        counts.forEach((label, n) -> {
            if (n < limits.minImagesPerClass()) {
                small.add(new SmallClass(label, n, limits.minImagesPerClass()));
            }
        });
        small.sort(Comparator.comparing(SmallClass::name));
        String contentHash = HexFormat.of().formatHex(digest().digest(hashInput.toString()
                .getBytes(StandardCharsets.UTF_8)));
        // Multi-label if a kept image has several labels: the flag follows from the records alone (all a DatasetBundle
        // carries), not from rows that were skipped.
        boolean multiLabel = records.stream().anyMatch(r -> r.labels().size() > 1);
        ImageDataset dataset = new ImageDataset(new ArrayList<>(counts.keySet()), records, multiLabel, contentHash);
        return new ImportResult(dataset, new ValidationReport(skipped, duplicates, small), root);
    }

    /** A file's check: why it is no usable image, or its SHA-256. */
    private record CheckedFile(String problem, String sha256) {

        static CheckedFile of(Path file, ImportLimits limits) {
            String problem = ImageFiles.problem(file, limits);
            return problem != null ? new CheckedFile(problem, null) : new CheckedFile(null, DatasetImporter.sha256(file));
        }
    }

    private static CheckedFile await(Future<CheckedFile> check, Path source) {
        try {
            return check.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;   // a DatasetException saying which file could not be read
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImportStoppedException("interrupted while reading " + source);
        }
    }

    private static ThreadFactory checkThreads() {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, "dataset-check-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** SHA-256 (hex) of a file's bytes. */
    static String sha256(Path file) {
        MessageDigest digest = digest();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + " while hashing it: " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Path relative to the dataset root with '/' separators, so hashes agree across operating systems. */
    static String relativeName(Path root, Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    static boolean isIgnored(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.startsWith(".") || IGNORED_NAMES.contains(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A folder that wraps the class folders in one more folder ("photos/train/cat"), given one level too high, reads
     * as one class whose images are in subfolders: say which folder to give instead.
     */
    private static String nestedClassesHint(Path root, String onlyClass) {
        Path classDir = root.resolve(onlyClass);
        if (!Files.isDirectory(classDir, LinkOption.NOFOLLOW_LINKS)) {
            return "";   // a manifest's label
        }
        List<String> subfolders = visibleChildren(classDir).stream()
                .filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                .map(p -> p.getFileName().toString()).toList();
        return subfolders.isEmpty() ? "" : "; its images are in the subfolders " + subfolders + " of " + classDir
                + ": if those are the classes, give that folder as the dataset";
    }

    private static List<Path> visibleChildren(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(p -> !isIgnored(p.getFileName())).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new DatasetException("cannot list folder " + dir + ": " + e.getMessage() + "; check its permissions", e);
        }
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            throw new DatasetException("cannot resolve dataset path " + path + ": " + e.getMessage(), e);
        }
    }
}
