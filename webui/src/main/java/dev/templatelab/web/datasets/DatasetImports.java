package dev.templatelab.web.datasets;

import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.storage.artifacts.ArtifactStore;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.tuning.execution.DatasetCopies;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.training.data.DatasetException;
import dev.templatelab.training.data.DatasetImporter;
import dev.templatelab.training.data.ExtractionFolders;
import dev.templatelab.training.data.ImageDataset;
import dev.templatelab.training.data.ImportLimits;
import dev.templatelab.training.data.ImportProgress;
import dev.templatelab.training.data.ImportResult;
import dev.templatelab.training.data.ImportStoppedException;
import dev.templatelab.training.data.SampleDatasets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Turns an uploaded zip into a registered dataset: checks the name, extracts safely under
 * {@code TEMPLATELAB_HOME/datasets} (training's {@link DatasetImporter}: no path escapes, size limits),
 * validates the images and registers the result. On any failure nothing is left behind: no record,
 * no extracted files, no upload copy.
 */
@Service
public class DatasetImports {

    private static final Logger log = LoggerFactory.getLogger(DatasetImports.class);
    private static final byte[] ZIP_SIGNATURE = {'P', 'K', 3, 4};
    private static final byte[] EMPTY_ZIP_SIGNATURE = {'P', 'K', 5, 6};
    /** Name under which the bundled digits are registered at first start. */
    public static final String SAMPLE_NAME = "digits-sample";

    private final DatasetService datasets;
    private final Path datasetsDir;
    private final Path uploadsDir;

    private final ArtifactStore artifacts;
    private final DatasetCopies datasetCopies;
    /**
     * Names being imported in this process, whichever way (page, REST, async): two imports of one name would both
     * pass the name check and the second fail at the database's unique name.
     */
    private final Set<String> importing = ConcurrentHashMap.newKeySet();

    DatasetImports(DatasetService datasets, StorageLocations locations, ArtifactStore artifacts,
                   DatasetCopies datasetCopies) {
        this.datasets = datasets;
        this.artifacts = artifacts;
        this.datasetCopies = datasetCopies;
        this.datasetsDir = locations.home().resolve("datasets");
        this.uploadsDir = locations.home().resolve("uploads");
    }

    /** A registered dataset and the import's warnings (skipped files, duplicates, small classes). */
    public record Imported(DatasetInfo dataset, List<String> warnings) {
    }

    /** Imports a zip given as a stream (a REST upload); {@code fileName} is only for messages. */
    public Imported importZip(String name, String fileName, InputStream content) {
        checkName(name);
        Path copy = null;
        try {
            Files.createDirectories(uploadsDir);
            copy = Files.createTempFile(uploadsDir, "upload-", ".zip");
            Files.copy(content, copy, StandardCopyOption.REPLACE_EXISTING);
            return importZip(name, fileName, copy);
        } catch (IOException e) {
            throw new UncheckedIOException("could not store the upload " + fileName + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(copy);
        }
    }

    /** Imports a zip file (the UI's upload lands in a temp file first); the file itself is left alone. */
    public Imported importZip(String name, String fileName, Path zip) {
        return importZip(name, fileName, zip, ImportProgress.NONE);
    }

    /**
     * As {@link #importZip(String, String, Path)}, telling {@code progress} how far the extraction and the image checks
     * got; when it asks to stop, throws {@link ImportStoppedException} with nothing registered or left extracted.
     */
    public Imported importZip(String name, String fileName, Path zip, ImportProgress progress) {
        checkName(name);
        requireZip(fileName, zip);
        if (!importing.add(name)) {
            throw new IllegalArgumentException(runningImportOf(name));
        }
        Path named = zip;
        try {
            if (!zip.getFileName().toString().toLowerCase().endsWith(".zip")) {
                // The importer picks zip handling by the extension.
                Files.createDirectories(uploadsDir);
                named = Files.createTempFile(uploadsDir, "upload-", ".zip");
                Files.copy(zip, named, StandardCopyOption.REPLACE_EXISTING);
            }
            ImportResult result;
            try {
                result = DatasetImporter.importFrom(named, fileName, datasetsDir, ImportLimits.defaults(), progress);
            } catch (DatasetException e) {
                // Name the user's file, not the server's temporary copy of it.
                String message = String.valueOf(e.getMessage());
                throw new DatasetException(message.replace(named.toUri().toString(), "'" + fileName + "'")
                        .replace(named.toString(), "'" + fileName + "'"), e);
            }
            if (!progress.mayKeep()) {
                result.deleteExtraction();
                throw new ImportStoppedException("stopped importing " + fileName + " before it was registered");
            }
            return register(name, result);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the upload " + fileName + ": " + e.getMessage(), e);
        } finally {
            importing.remove(name);
            if (named != zip) {
                deleteQuietly(named);
            }
        }
    }

    /**
     * The checks an import makes before reading any image: the name is free and the file is a zip. Throws what the
     * import would, at once (for an import that then runs in the background).
     */
    public void checkUpload(String name, String fileName, Path zip) {
        checkName(name);
        requireZip(fileName, zip);
    }

    /** A new empty file under {@code TEMPLATELAB_HOME/uploads} for an upload to be kept in while it is imported. */
    public Path newUploadFile() throws IOException {
        Files.createDirectories(uploadsDir);
        return Files.createTempFile(uploadsDir, "ui-upload-", ".zip");
    }

    /**
     * Deletes uploads a day old or more (a crash or a closed tab mid-import left them; younger ones may still be
     * importing), and parts the servlet container staged in {@code uploads/incoming} as old (it deletes a request's
     * own at the request's end; one still being received was written to just now); at startup. Returns how many.
     */
    @EventListener(ApplicationReadyEvent.class)
    public int sweepOldUploads() {
        Instant dayAgo = Instant.now().minus(Duration.ofDays(1));
        int removed = 0;
        for (Path dir : List.of(uploadsDir, uploadsDir.resolve(UploadStaging.INCOMING))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    if (Files.isRegularFile(p) && Files.getLastModifiedTime(p).toInstant().isBefore(dayAgo)) {
                        deleteQuietly(p);
                        removed++;
                    }
                }
            } catch (IOException e) {
                log.warn("Could not sweep old uploads in {}: {}", dir, e.getMessage());
            }
        }
        if (removed > 0) {
            log.info("Deleted {} upload(s) left in {} a day ago or more", removed, uploadsDir);
        }
        return removed;
    }

    /**
     * Deletes extraction folders under {@code TEMPLATELAB_HOME/datasets} that no dataset lives in and no import holds:
     * what an import the server was stopped in (or killed) during left behind; at startup. Returns how many.
     */
    @EventListener(ApplicationReadyEvent.class)
    public int sweepAbandonedImports() {
        int removed = sweepAbandonedImports(datasetsDir, datasets);
        if (removed > 0) {
            log.info("Deleted {} unfinished import(s) in {}", removed, datasetsDir);
        }
        return removed;
    }

    /** As {@link #sweepAbandonedImports()} for any process with that folder and database (e.g. {@code tune}'s). */
    public static int sweepAbandonedImports(Path datasetsDir, DatasetService datasets) {
        return ExtractionFolders.sweepAbandoned(datasetsDir, folder -> datasets.list().stream()
                .anyMatch(d -> "file".equals(d.storageUri().getScheme()) && Path.of(d.storageUri()).startsWith(folder)));
    }

    /**
     * Registers the bundled MNIST digits (written under {@code datasets/digits-sample}) if no dataset is registered
     * yet: at the first start, not again after a user deleted it. Returns whether it did. With workers on other
     * machines it is copied to the artifact store now, so the first launch on it does not wait for that.
     */
    public boolean registerSampleOnFirstStart() {
        if (!datasets.list().isEmpty()) {
            return false;
        }
        ImageDataset digits = SampleDatasets.mnist(datasetsDir.resolve(SAMPLE_NAME));
        DatasetInfo sample = datasets.register(newDataset(SAMPLE_NAME, digits, datasetsDir.resolve(SAMPLE_NAME), List.of()));
        log.info("Registered the bundled sample dataset {} ({} images)", SAMPLE_NAME, digits.records().size());
        try {
            datasetCopies.publish(sample.id());
        } catch (RuntimeException e) {
            log.warn("Could not copy the sample dataset into the artifact store now (a launch tries again): {}",
                    e.getMessage(), e);
        }
        return true;
    }

    /**
     * Deletes a dataset's record, its copy in the artifact store and, for an uploaded one, its extracted files; refused
     * while experiments use it.
     */
    public void delete(long id) {
        DatasetInfo dataset = datasets.get(id);
        datasets.delete(id);
        Path folder = ownedFolder(dataset.storageUri());
        if (folder != null) {
            deleteRecursively(folder);
        }
        if (dataset.bundle() != null) {
            try {
                artifacts.delete(dataset.bundle().uri());
            } catch (IOException | IllegalArgumentException e) {
                log.warn("Could not delete dataset {}'s copy {}: {}", dataset.name(), dataset.bundle().uri(), e.getMessage());
            }
        }
    }

    /** The folder holding a dataset's class folders. */
    public static Path root(DatasetInfo dataset) {
        return Path.of(dataset.storageUri());
    }

    /** Up to {@code limit} image files of one class, in name order (for thumbnails). */
    public static List<Path> samples(DatasetInfo dataset, String className, int limit) {
        Path classDir = root(dataset).resolve(className).normalize();
        if (!classDir.startsWith(root(dataset)) || !Files.isDirectory(classDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(classDir)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().limit(limit).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private Imported register(String name, ImportResult result) {
        ImageDataset dataset = result.dataset();
        Path root = result.root();
        try {
            DatasetInfo info = datasets.register(newDataset(name, dataset, root, result.report().lines()));
            result.keepExtraction();   // the dataset's home from now on
            return new Imported(copyToArtifactStore(info, result), result.report().lines());
        } catch (RuntimeException | Error e) {
            result.deleteExtraction();   // not registered: its images have no use
            throw e;
        }
    }

    /**
     * Copies a new dataset into the artifact store at once, so workers elsewhere can train on it and it outlives this
     * machine's folder. If that fails the dataset stays registered: launching an experiment on it tries again, and
     * says why if it fails again.
     */
    private DatasetInfo copyToArtifactStore(DatasetInfo info, ImportResult result) {
        try {
            return datasetCopies.publish(info, result);
        } catch (RuntimeException e) {
            log.warn("Could not copy dataset {} into the artifact store now (a launch tries again): {}", info.name(),
                    e.getMessage(), e);
            return info;
        }
    }

    private static NewDataset newDataset(String name, ImageDataset dataset, Path root, List<String> warnings) {
        return new NewDataset(name, dataset.classes(), dataset.records().size(), dataset.imagesPerClass(),
                dataset.contentHash(), root.toUri(), warnings);
    }

    /** The extraction folder ({@code datasets/import-...}) holding this location, if the app created it. */
    private Path ownedFolder(URI uri) {
        if (!"file".equals(uri.getScheme())) {
            return null;
        }
        Path path = Path.of(uri).toAbsolutePath().normalize();
        Path base = datasetsDir.toAbsolutePath().normalize();
        try {
            base = base.toRealPath();
        } catch (IOException ignored) {
            // not created yet: nothing of ours can be there
        }
        if (!path.startsWith(base) || path.equals(base)) {
            return null;
        }
        Path top = base.resolve(base.relativize(path).getName(0));
        return top.getFileName().toString().startsWith("import-") ? top : null;
    }

    private void checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("give the dataset a name");
        }
        if (name.length() > 200) {
            throw new IllegalArgumentException("dataset name must be at most 200 characters");
        }
        NewDataset.checkName(name);   // what registering it would refuse (control characters), before any image is read
        if (datasets.findByName(name).isPresent()) {
            throw new IllegalArgumentException("a dataset named '" + name + "' already exists; choose another name");
        }
        if (importing.contains(name)) {
            throw new IllegalArgumentException(runningImportOf(name));
        }
    }

    private static String runningImportOf(String name) {
        return "a dataset named '" + name + "' is being imported; choose another name or wait for that import to end";
    }

    private static void requireZip(String fileName, Path file) {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            // An empty archive has only its end record: a zip all the same, refused later for holding no images.
            if (n < 4 || !Arrays.equals(head, ZIP_SIGNATURE) && !Arrays.equals(head, EMPTY_ZIP_SIGNATURE)) {
                throw new DatasetException("'" + fileName + "' is not a zip archive; upload a .zip of a folder"
                        + " with one subfolder of images per class");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the upload " + fileName + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("Could not delete {}: {}", file, e.getMessage());
            }
        }
    }

    private static void deleteRecursively(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(DatasetImports::deleteQuietly);
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", folder, e.getMessage());
        }
    }
}
