package dev.templatelab.tuning.execution;

import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.storage.artifacts.ArtifactStore;
import dev.templatelab.storage.artifacts.StoredArtifact;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.transfer.WeightsRegistry;
import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.InvalidSpaceException;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.space.SpaceParameter;
import dev.templatelab.tuning.space.TemplateSpace;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Service;

/**
 * Gets the pretrained weights an experiment names to whichever machine trains it, as {@link DatasetCopies} does for
 * its images. At launch {@link #publish} copies every registered weights file the search space can draw into the
 * artifact store ({@code weights/<template>/<name>-<sha>.tlckpt}; the experiment's tuning settings keep where). A
 * trial then uses the local registry's entry if it holds the very same file, else that copy, fetched once per
 * {@code TEMPLATELAB_HOME} into {@code weights-copies/} ({@link #homeFor}). Only when
 * {@link WorkerSettings#shipsToWorkers}.
 */
@Service
public class WeightsCopies {

    private static final Logger log = LoggerFactory.getLogger(WeightsCopies.class);
    private static final TemplateRegistry TEMPLATES = TemplateRegistry.standard();

    private final ArtifactStore artifacts;
    private final TemplateLabHome home;
    private final boolean ship;
    private final Map<Path, Object> fetching = new ConcurrentHashMap<>();
    /** Taken by every process with this home to mark a copy used or to delete an unused one. */
    private final SharedHomeLock sweepLock;

    WeightsCopies(ArtifactStore artifacts, StorageLocations locations, Environment env) {
        this.artifacts = artifacts;
        this.ship = WorkerSettings.shipsToWorkers(env);
        this.home = new TemplateLabHome(locations.home());
        this.sweepLock = new SharedHomeLock(home.root().resolve("weights-copies.lock"));
    }

    /** What {@link #publish} did: the copies by {@code template/name}, and the names this machine does not have. */
    public record Published(Map<String, StoredArtifact> copies, List<String> missing) {
    }

    /**
     * Copies the weights every template of {@code space} may draw into the artifact store (each file once), if this
     * process ships to workers; else copies nothing. A malformed name or a damaged registered file is an
     * {@link InvalidSpaceException} naming that template's {@code pretrained_weights}.
     */
    public Published publish(SearchSpace space) {
        Map<String, StoredArtifact> copies = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        if (!ship) {
            return new Published(copies, missing);
        }
        WeightsRegistry registry = new WeightsRegistry(home.weights());
        for (TemplateSpace t : space.templates()) {
            for (String name : names(t)) {
                try {
                    WeightsRegistry.requireValidName(name);
                    if (!Files.isRegularFile(registryFile(home.weights(), t.template(), name))) {
                        missing.add(key(t.template(), name));   // perhaps only the workers have it
                        continue;
                    }
                    WeightsRegistry.Entry entry;
                    try {
                        entry = registry.resolve(t.template(), name);   // checks the file against its SHA-256
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read pretrained weights '" + name + "' of "
                                + t.template() + ": " + e.getMessage(), e);
                    }
                    copies.put(key(t.template(), name), store(entry));
                } catch (IllegalArgumentException e) {   // a malformed name, a damaged file: this template's weights
                    throw new InvalidSpaceException(new SpaceParameter(t.template(), "pretrained_weights"),
                            e.getMessage(), e);
                }
            }
        }
        return new Published(copies, missing);
    }

    /**
     * The home a trial of {@code template} with {@code params} trains from: this machine's own, unless the experiment
     * recorded a copy of those weights that the local registry does not hold (missing, or other weights under that
     * name); then the same home reading its weights from a registry that holds the recorded copy.
     */
    public TemplateLabHome homeFor(String template, Map<String, Object> params, Map<String, StoredArtifact> recorded) {
        Object drawn = params.get("pretrained_weights");
        String weightsName = drawn != null ? String.valueOf(drawn) : defaultName(template);
        StoredArtifact copy = recorded.get(key(template, weightsName));
        if (copy == null || localSha(template, weightsName).equalsIgnoreCase(copy.sha256())) {
            return home;
        }
        Path registry = copiesRoot().resolve(copyFolder(template, weightsName, copy));
        synchronized (fetching.computeIfAbsent(registry, r -> new Object())) {
            if (!markUsed(registry)) {
                fetch(template, weightsName, copy, registry);   // a fresh folder: sweepUnused leaves it for a day
            }
        }
        return home.withWeights(registry);
    }

    /**
     * Marks a fetched copy as used now, if it is there: one step, under the lock the sweeps of every process with this
     * home take, so no sweep deletes a copy between this check and the trial reading it. False if it is not there.
     */
    private boolean markUsed(Path registry) {
        try {
            return sweepLock.holding(() -> {
                if (!Files.isDirectory(registry)) {
                    return false;
                }
                Files.setLastModifiedTime(registry, FileTime.from(Instant.now()));
                return true;
            });
        } catch (IOException | OverlappingFileLockException e) {
            // No lock here (a home on a file system without locks, a lock file of another user): mark it unlocked.
            log.debug("could not lock {} to mark {} as used: {}", sweepLock.file(), registry, e.toString());
            try {
                Files.setLastModifiedTime(registry, FileTime.from(Instant.now()));
            } catch (IOException ignored) {
                // not there (fetched below), or not ours to touch
            }
            return Files.isDirectory(registry);
        }
    }

    /** The lock file ({@code weights-copies.lock} in the home). */
    Path sweepLockFile() {
        return sweepLock.file();
    }

    private Path copiesRoot() {
        return home.root().resolve("weights-copies");
    }

    /** The folder a weights copy is fetched into on a worker: template, name and SHA-256 prefix. */
    static String copyFolder(String template, String name, StoredArtifact copy) {
        return template + "-" + name + "-" + copy.sha256().substring(0, 16);
    }

    /**
     * Deletes fetched weights that no unfinished experiment records ({@code needed}: {@link #copyFolder} names)
     * and no trial here used for a day, and fetches that did not finish a day ago or more. A copy deleted too
     * early is fetched again. Returns how many it removed.
     */
    public int sweepUnused(Set<String> needed) throws IOException {
        Path root = copiesRoot();
        if (!Files.isDirectory(root)) {
            return 0;
        }
        Instant dayAgo = Instant.now().minus(Duration.ofDays(1));
        int removed = 0;
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(".fetch-") && needed.contains(name)) {
                    continue;
                }
                // Judged again under the lock homeFor takes to mark a copy used (a trial of this or another process
                // with this home may just have used it), and moved out of the way whole in one rename there, so a
                // trial finds the copy complete or not at all; deleted after, without holding up the others.
                Path doomed = root.resolve(".fetch-removed-" + UUID.randomUUID());
                boolean unused = sweepLock.holding(() -> {
                    if (Files.exists(p) && Files.getLastModifiedTime(p).toInstant().isBefore(dayAgo)) {
                        Files.move(p, doomed, StandardCopyOption.ATOMIC_MOVE);
                        return true;
                    }
                    return false;
                });
                if (unused) {
                    Folders.deleteQuietly(doomed);   // what a failure leaves, a later sweep takes (".fetch-", a day old)
                    removed++;
                    log.info("removed unused pretrained weights copy path={}", p);
                }
            }
        }
        return removed;
    }

    /** {@link #copyFolder} names of the copies recorded in these experiments' settings. */
    static Set<String> folders(Map<String, StoredArtifact> recorded) {
        Set<String> names = new TreeSet<>();
        recorded.forEach((key, copy) -> {
            int slash = key.indexOf('/');
            names.add(copyFolder(key.substring(0, slash), key.substring(slash + 1), copy));
        });
        return names;
    }

    /** The weights names a template's space can draw (its default when the space does not set them), less None. */
    static Set<String> names(TemplateSpace t) {
        Set<String> names = new TreeSet<>();
        Distribution d = t.parameter("pretrained_weights");
        if (d == null) {
            names.add(defaultName(t.template()));
        } else if (d instanceof CategoricalDistribution c) {
            c.choices().forEach(v -> names.add(String.valueOf(v)));
        }
        names.removeIf(n -> "none".equalsIgnoreCase(n));
        return names;
    }

    private static String defaultName(String template) {
        return HyperparameterSchema.resolveTyped(TEMPLATES.get(template), Map.of()).getString("pretrained_weights");
    }

    static String key(String template, String name) {
        return template + "/" + name;
    }

    private StoredArtifact store(WeightsRegistry.Entry entry) {
        String key = "weights/" + entry.template() + "/" + entry.name() + "-" + entry.sha256().substring(0, 16)
                + WeightsRegistry.EXTENSION;
        try {
            StoredArtifact there = new StoredArtifact(artifacts.uri(key), Files.size(entry.file()), entry.sha256());
            if (artifacts.exists(there.uri()) && intact(there)) {
                return there;   // named by its SHA-256: the same file, unless damaged (then copied again)
            }
            StoredArtifact stored = artifacts.put(entry.file(), key);
            log.info("pretrained weights copied to the artifact store template={} name={} bytes={} uri={}",
                    entry.template(), entry.name(), stored.sizeBytes(), stored.uri());
            return stored;
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy pretrained weights '" + entry.name() + "' of "
                    + entry.template() + " into the artifact store: " + e.getMessage(), e);
        }
    }

    private boolean intact(StoredArtifact artifact) {
        try (InputStream in = artifacts.open(artifact)) {
            return true;
        } catch (IOException e) {
            log.warn("pretrained weights copy {} is damaged, copying it again: {}", artifact.uri(), e.getMessage());
            return false;
        }
    }

    private static Path registryFile(Path registry, String template, String name) {
        return registry.resolve(template).resolve(name + WeightsRegistry.EXTENSION);
    }

    /** The SHA-256 the local registry verified at registration (its sidecar), or "" if it holds no such weights. */
    private String localSha(String template, String name) {
        Path file = registryFile(home.weights(), template, name);
        try {
            return Files.isRegularFile(file) ? Checkpoints.recordedSha256(file).orElse("") : "";
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Fetches the copy into a registry of its own at {@code registry}: registered in a temporary folder, which is then
     * renamed into place whole, so a trial never sees a half-written file or sidecar; another process with this home
     * that got there first keeps its folder.
     */
    private void fetch(String template, String name, StoredArtifact copy, Path registry) {
        Path temp = null;
        try {
            Files.createDirectories(registry.getParent());
            temp = Files.createTempDirectory(registry.getParent(), ".fetch-");
            Path file = temp.resolve("download" + WeightsRegistry.EXTENSION);
            try (InputStream in = artifacts.open(copy)) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            String sha = new WeightsRegistry(temp).register(template, name, file).sha256();
            if (!sha.equalsIgnoreCase(copy.sha256())) {
                throw new IOException("the fetched file has SHA-256 " + sha + ", not the recorded " + copy.sha256());
            }
            Files.delete(file);
            try {
                Files.move(temp, registry, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                if (!Files.isDirectory(registry)) {
                    throw e;
                }
            }
            log.info("pretrained weights fetched from the artifact store template={} name={} path={}", template, name,
                    registry);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot fetch pretrained weights '" + name + "' of " + template + " ("
                    + copy.uri() + ") from the artifact store: " + e.getMessage() + "; give this worker the server's "
                    + "artifact store (--artifacts / TEMPLATELAB_ARTIFACTS_ROOT, same path), or, if that file is "
                    + "damaged, launch the experiment again from the machine that has the weights (it copies them "
                    + "anew)", e);
        } finally {
            Folders.deleteQuietly(temp);
        }
    }
}
