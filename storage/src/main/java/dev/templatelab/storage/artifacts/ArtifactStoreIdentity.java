package dev.templatelab.storage.artifacts;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Makes sure a process writes to the artifact store of its database's experiments. The database records one store id
 * (table {@code artifact_store}, migration V9) and the store folder holds the same id in its marker file
 * {@value #MARKER}. The first process on a database records its folder's id (making one if the folder has none);
 * every later one must find that id in its folder. Without this, a worker given another folder than the server's
 * trains trials whose checkpoints the server cannot serve, or fails every trial it takes.
 */
public final class ArtifactStoreIdentity {

    /** The marker file in the store folder. No leading dot: an operator copying the store should see it. */
    public static final String MARKER = "templatelab-store-id";

    /** How long a marker another process has just created may stay empty before its id is written. */
    private static final int EMPTY_MARKER_READS = 40;

    private final JdbcTemplate jdbc;
    private final Path folder;
    private final Path marker;

    public ArtifactStoreIdentity(JdbcTemplate jdbc, Path folder) {
        this.jdbc = jdbc;
        this.folder = folder.toAbsolutePath().normalize();
        this.marker = this.folder.resolve(MARKER);
    }

    /**
     * The store id, once the folder's marker and the database agree on it; otherwise an
     * {@link UnusableArtifactStoreException} that says which folder to use, or how to adopt this one.
     */
    public String check() {
        Optional<String> recorded = recorded();
        Optional<String> marked = readMarker();
        if (recorded.isEmpty()) {
            // The marker is written before the row: a process that finds the row finds the marker too, and processes
            // starting together on one fresh folder all end up with the one marker that was created first.
            String id = marked.isPresent() ? marked.get() : createMarker(UUID.randomUUID().toString());
            jdbc.update("INSERT INTO artifact_store (singleton, store_id) VALUES (true, ?) ON CONFLICT DO NOTHING", id);
            recorded = recorded();   // ours, or that of a process (with another folder) that recorded first
            marked = Optional.of(id);
        }
        String theirs = recorded.orElseThrow();
        if (marked.isEmpty()) {
            throw notThisDatabasesStore((isEmpty() ? "it is empty (a new folder, or a mistyped path?) and has"
                    : "it has") + " no store id (file " + MARKER + ")", theirs);
        }
        if (!marked.get().equals(theirs)) {
            throw notThisDatabasesStore("its store id (file " + MARKER + ") is " + marked.get(), theirs);
        }
        return theirs;
    }

    private boolean isEmpty() {
        try (var entries = Files.list(folder)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private Optional<String> recorded() {
        List<String> ids = jdbc.queryForList("SELECT store_id FROM artifact_store", String.class);
        return ids.stream().findFirst();
    }

    /** The marker's id; empty when there is none (or it stayed empty, as a marker whose writer died would). */
    private Optional<String> readMarker() {
        for (int read = 1; ; read++) {
            String id;
            try {
                id = Files.readString(marker, StandardCharsets.UTF_8).trim();
            } catch (NoSuchFileException e) {
                return Optional.empty();
            } catch (IOException e) {
                throw new UnusableArtifactStoreException("cannot read the artifact store's id in " + marker + " ("
                        + e.getMessage() + "); give --artifacts / TEMPLATELAB_ARTIFACTS_ROOT a folder this user can "
                        + "read and write", e);
            }
            if (!id.isEmpty() || read == EMPTY_MARKER_READS) {
                return id.isEmpty() ? Optional.empty() : Optional.of(id);
            }
            pause();   // another process has just created it and is writing its id
        }
    }

    /** Writes {@code id} into a new marker; if another process created one first, returns its id instead. */
    String createMarker(String id) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UnusableArtifactStoreException("cannot create the artifact store folder " + folder + " ("
                    + e.getMessage() + "); give --artifacts / TEMPLATELAB_ARTIFACTS_ROOT a folder this user can write", e);
        }
        try (FileChannel out = FileChannel.open(marker, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(StandardCharsets.UTF_8.encode(id + "\n"));
            out.force(true);
            return id;
        } catch (FileAlreadyExistsException e) {
            return readMarker().orElseThrow(() -> new UnusableArtifactStoreException("the artifact store's id file "
                    + marker + " is empty; delete it and start again", e));
        } catch (IOException e) {
            throw new UnusableArtifactStoreException("cannot write the artifact store's id into " + marker + " ("
                    + e.getMessage() + "); give --artifacts / TEMPLATELAB_ARTIFACTS_ROOT a folder this user can write", e);
        }
    }

    private UnusableArtifactStoreException notThisDatabasesStore(String what, String theirs) {
        return new UnusableArtifactStoreException(folder + " is not the artifact store of this database's experiments: "
                + what + ", theirs is " + theirs + ". Point --artifacts / TEMPLATELAB_ARTIFACTS_ROOT at the shared "
                + "folder the server uses (its " + MARKER + " says " + theirs + "), mounted at the same path as there. "
                + "If that store is lost for good, adopt this folder instead (the checkpoints in the lost store stay "
                + "unreachable): echo " + theirs + " > " + shellQuoted(marker), null);
    }

    private static String shellQuoted(Path path) {
        String s = path.toString();
        return s.matches("[A-Za-z0-9_./-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    private void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnusableArtifactStoreException("interrupted while reading the artifact store's id in " + marker, e);
        }
    }
}
