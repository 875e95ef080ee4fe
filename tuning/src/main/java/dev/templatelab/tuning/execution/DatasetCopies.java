package dev.templatelab.tuning.execution;

import dev.templatelab.storage.artifacts.ArtifactIntegrityException;
import dev.templatelab.storage.artifacts.ArtifactStore;
import dev.templatelab.storage.artifacts.StoredArtifact;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.training.data.DatasetBundle;
import dev.templatelab.training.data.DatasetException;
import dev.templatelab.training.data.DatasetImporter;
import dev.templatelab.training.data.ExtractionFolders;
import dev.templatelab.training.data.ImportProgress;
import dev.templatelab.training.data.ImportResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Service;

/**
 * Gets an experiment's images to whichever machine trains it, so that a worker needs only the database and the
 * artifact store. At launch {@link #publish} packs the dataset into the artifact store once ({@link DatasetBundle},
 * key {@code datasets/<id>-<hash>.zip}); a worker then reads the dataset's own folder where it can, and otherwise
 * unpacks that bundle once per machine into {@code TEMPLATELAB_HOME/dataset-copies} ({@link #localSource}).
 * Only when {@link WorkerSettings#shipsToWorkers} (with {@code DATABASE_URL}, unless {@code TEMPLATELAB_SHIP_TO_WORKERS}
 * says otherwise): with the embedded database every worker is on this machine and reads the folder itself.
 */
@Service
public class DatasetCopies {

    private static final Logger log = LoggerFactory.getLogger(DatasetCopies.class);

    private final DatasetService datasets;
    private final ArtifactStore artifacts;
    private final Path copies;
    private final Path work;
    private final boolean ship;
    private final Map<Path, Object> unpacking = new ConcurrentHashMap<>();
    private static final Pattern COPY_NAME = Pattern.compile("\\d+-[0-9a-f]{16}");

    DatasetCopies(DatasetService datasets, ArtifactStore artifacts, StorageLocations locations, Environment env) {
        this.datasets = datasets;
        this.artifacts = artifacts;
        this.copies = locations.home().resolve("dataset-copies");
        this.work = locations.home().resolve("work").resolve("bundles");
        this.ship = WorkerSettings.shipsToWorkers(env);
    }

    /**
     * Makes sure the dataset has a bundle in the artifact store (unless shipping is off, or this machine cannot read
     * the dataset: then only workers that can will run it) and returns its row. Packing reads every image, so the first
     * call takes about as long as the import did; later ones only check the bundle is there. Fails with a
     * {@link DatasetException} saying what to do when the images changed since the dataset was registered.
     */
    public DatasetInfo publish(long datasetId) {
        DatasetInfo dataset = datasets.get(datasetId);
        if (!ship || published(dataset)) {
            return dataset;
        }
        Path source = Path.of(dataset.storageUri());
        if (!Files.isReadable(source)) {
            // Perhaps only the workers see that path (a mount this machine lacks): they may still run it.
            log.warn("dataset not readable here, so not copied to the artifact store dataset={} path={}", dataset.name(), source);
            return dataset;
        }
        ImportResult imported = null;
        try {
            Path workDir = Files.createDirectories(work).toRealPath();   // zip sources are extracted here
            ExtractionFolders.sweepAbandoned(workDir);                      // by killed launches too
            imported = DatasetImporter.importRegistered(source, workDir, dataset.contentHash(), ImportProgress.NONE);
            return publish(dataset, imported);
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy dataset " + dataset.name() + " into the artifact store: "
                    + e.getMessage(), e);
        } finally {
            if (imported != null) {
                imported.deleteExtraction();   // a zip source's images, extracted only to pack them
            }
        }
    }

    /** {@link #publish(long)} for a dataset just imported (an upload), without reading its images twice. */
    public DatasetInfo publish(DatasetInfo dataset, ImportResult imported) {
        if (!ship || published(dataset)) {
            return dataset;
        }
        String hash = imported.dataset().contentHash();
        if (dataset.contentHash() != null && !dataset.contentHash().equals(hash)) {
            throw new DatasetException("the images at " + dataset.storageUri().getPath() + " changed since dataset "
                    + dataset.name() + " was registered (content hash " + hash + ", registered " + dataset.contentHash()
                    + "); import the folder again as a new dataset to train on the new images");
        }
        long started = System.nanoTime();
        try {
            // Packed straight into the store (atomically there): no staging copy of the whole dataset.
            StoredArtifact bundle = artifacts.write("datasets/" + dataset.id() + "-" + hash.substring(0, 16) + ".zip",
                    out -> DatasetBundle.write(imported, out));
            DatasetInfo recorded = datasets.recordBundle(dataset.id(), bundle);
            log.info("dataset copied to the artifact store dataset={} images={} bytes={} uri={} seconds={}", dataset.name(),
                    imported.dataset().records().size(), bundle.sizeBytes(), bundle.uri(),
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9));
            return recorded;
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy dataset " + dataset.name() + " into the artifact store: "
                    + e.getMessage(), e);
        }
    }

    /** Whether the recorded bundle is in this process's artifact store (one recorded under another root is not). */
    private boolean published(DatasetInfo dataset) {
        return dataset.bundle() != null && inStore(dataset.bundle());
    }

    private boolean inStore(StoredArtifact bundle) {
        try {
            return artifacts.exists(bundle.uri());
        } catch (IllegalArgumentException e) {
            return false;   // recorded under another artifact root
        }
    }

    /**
     * What a trial on this machine imports: the dataset's own folder (or zip, or manifest) where this machine can read
     * it, else its bundle unpacked here (once per {@code TEMPLATELAB_HOME}; checked against the content hash).
     */
    public Path localSource(DatasetInfo dataset) {
        Path source = Path.of(dataset.storageUri());
        if (Files.isReadable(source)) {
            return source;
        }
        if (dataset.bundle() == null) {
            throw new DatasetException("dataset " + dataset.name() + " cannot be read at " + source + " on this machine "
                    + "and has no copy in the artifact store (TEMPLATELAB_SHIP_TO_WORKERS was off, or the "
                    + "machine that launched it could not read it either); give this machine the folder at that path");
        }
        Path copy = copies.resolve(copyName(dataset));
        if (!Files.isDirectory(copy)) {
            // This process's workers unpack a dataset once; other processes sharing the home race on the rename.
            synchronized (unpacking.computeIfAbsent(copy, c -> new Object())) {
                if (!Files.isDirectory(copy)) {
                    unpack(dataset, copy);
                }
            }
        }
        return DatasetBundle.source(copy);
    }

    /** The folder name of a dataset's unpacked copy: its id and its bundle's SHA-256 prefix. */
    private static String copyName(DatasetInfo dataset) {
        return dataset.id() + "-" + dataset.bundle().sha256().substring(0, 16);
    }

    /**
     * Deletes this machine's unpacked copies of datasets no longer registered (deleted after their experiments
     * were) or whose copy in the store changed, and what killed unpacks left a day ago or more. Safe while trials
     * run: a dataset is only deleted once no experiment uses it. Returns how many entries it removed.
     */
    public int sweepUnused() throws IOException {
        if (!Files.isDirectory(copies)) {
            return 0;
        }
        List<Path> entries;
        try (Stream<Path> listed = Files.list(copies)) {
            entries = listed.toList();   // listed before the datasets are read: a copy made after is not judged
        }
        Set<String> current = datasets.list().stream().filter(d -> d.bundle() != null).map(DatasetCopies::copyName)
                .collect(Collectors.toSet());
        int removed = 0;
        for (Path p : entries) {
            String name = p.getFileName().toString();
            boolean copy = COPY_NAME.matcher(name).matches();
            if (copy ? !current.contains(name) : staleTemp(p)) {
                Folders.deleteQuietly(p);
                removed++;
                log.info("removed an unused dataset copy path={} reason={}", p,
                        copy ? "its dataset is no longer registered" : "left by an unpack that did not finish");
            }
        }
        return removed;
    }

    /** A temporary file or folder of an unpack, a day old or more (a younger one may be another process's). */
    private static boolean staleTemp(Path p) throws IOException {
        String name = p.getFileName().toString();
        return (name.startsWith(".bundle-") || name.startsWith("import-"))
                && Files.getLastModifiedTime(p).toInstant().isBefore(Instant.now().minus(Duration.ofDays(1)));
    }

    /**
     * Whether a trial of this dataset can find its images on this machine: at its path, or through a bundle in this
     * process's artifact store. A {@code worker} without either leaves the experiment to workers that have one.
     */
    public boolean reachable(DatasetInfo dataset) {
        return Files.isReadable(Path.of(dataset.storageUri())) || published(dataset);
    }

    /** Unpacks the dataset's bundle to {@code copy}; if another process got there first, keeps theirs. */
    void unpack(DatasetInfo dataset, Path copy) {
        long started = System.nanoTime();
        Path zip = null;
        Path unpacked = null;
        try {
            Files.createDirectories(copies);
            sweepLeftovers(dataset, copy);
            zip = Files.createTempFile(copies, ".bundle-", ".zip");
            try (InputStream in = artifacts.open(dataset.bundle())) {
                Files.copy(in, zip, StandardCopyOption.REPLACE_EXISTING);
            }
            unpacked = DatasetBundle.unpack(zip, copies, dataset.contentHash());
            try {
                Files.move(unpacked, copy, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                // Linux reports renaming onto a non-empty folder as a plain FileSystemException.
                if (!Files.isDirectory(copy)) {
                    throw e;
                }
                // Another process with this home unpacked it first: use theirs.
            }
            log.info("dataset unpacked from the artifact store dataset={} path={} seconds={}", dataset.name(), copy,
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9));
        } catch (ArtifactIntegrityException | DatasetException e) {
            throw new DatasetException("dataset " + dataset.name() + "'s copy " + dataset.bundle().uri() + " in the "
                    + "artifact store is damaged (" + e.getMessage() + "); delete that file, and the next launch on the "
                    + "dataset from a machine that can read " + dataset.storageUri().getPath() + " makes a new copy", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new DatasetException("cannot fetch dataset " + dataset.name() + "'s copy " + dataset.bundle().uri()
                    + " from the artifact store: " + e.getMessage() + "; give this worker the server's artifact store "
                    + "(--artifacts / TEMPLATELAB_ARTIFACTS_ROOT, same path) or the dataset's folder at "
                    + dataset.storageUri().getPath(), e);
        } finally {
            Folders.deleteQuietly(zip);
            Folders.deleteQuietly(unpacked);   // unless renamed into place
        }
    }

    /**
     * Deletes this dataset's older copies (from an earlier bundle) and temporary files a killed unpack left behind a
     * day ago or more (a younger one may be another process's unpack in progress).
     */
    private void sweepLeftovers(DatasetInfo dataset, Path copy) throws IOException {
        try (Stream<Path> entries = Files.list(copies)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                boolean olderCopy = name.startsWith(dataset.id() + "-") && !p.equals(copy);
                if (olderCopy || staleTemp(p)) {
                    Folders.deleteQuietly(p);
                }
            }
        }
    }
}
