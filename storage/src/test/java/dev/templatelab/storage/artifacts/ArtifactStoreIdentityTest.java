package dev.templatelab.storage.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The store id a database records and the one its store folder's marker holds, on a database of its own (migrated by
 * Flyway, the recorded id cleared before each test): the contract suite's database already has its id.
 */
class ArtifactStoreIdentityTest {

    private static EmbeddedPostgres postgres;
    private static JdbcTemplate jdbc;

    @TempDir
    Path dir;

    @BeforeAll
    static void database() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        Flyway.configure().dataSource(postgres.getPostgresDatabase()).load().migrate();
        jdbc = new JdbcTemplate(postgres.getPostgresDatabase());
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    @BeforeEach
    void freshDatabase() {
        jdbc.update("DELETE FROM artifact_store");
    }

    private String recorded() {
        return jdbc.queryForObject("SELECT store_id FROM artifact_store", String.class);
    }

    private static String marker(Path folder) throws Exception {
        return Files.readString(folder.resolve(ArtifactStoreIdentity.MARKER)).trim();
    }

    @Test
    void aFreshDatabaseAndAFreshFolderGetOneNewIdAndThenAgree() throws Exception {
        Path store = dir.resolve("store");   // not made yet

        String id = new ArtifactStoreIdentity(jdbc, store).check();

        assertThat(id).isNotBlank();
        assertThat(marker(store)).isEqualTo(id);
        assertThat(recorded()).isEqualTo(id);
        assertThat(new ArtifactStoreIdentity(jdbc, store).check()).as("the next start").isEqualTo(id);
    }

    /** A database made anew (or one from before V9) adopts the id of the store its experiments' files are in. */
    @Test
    void aFreshDatabaseAdoptsTheFoldersId() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Files.writeString(store.resolve(ArtifactStoreIdentity.MARKER), "kept-store\n");

        assertThat(new ArtifactStoreIdentity(jdbc, store).check()).isEqualTo("kept-store");
        assertThat(recorded()).isEqualTo("kept-store");
    }

    @Test
    void aFolderWithAnotherIdIsRefusedWithWhereToPointAndHowToAdoptIt() throws Exception {
        Path server = Files.createDirectories(dir.resolve("server"));
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve(ArtifactStoreIdentity.MARKER), "other-store\n");
        String id = new ArtifactStoreIdentity(jdbc, server).check();

        assertThatThrownBy(() -> new ArtifactStoreIdentity(jdbc, other).check())
                .isInstanceOf(UnusableArtifactStoreException.class)
                .hasMessageStartingWith(other + " is not the artifact store of this database's experiments: its store id "
                        + "(file templatelab-store-id) is other-store, theirs is " + id)
                .hasMessageContaining("Point --artifacts / TEMPLATELAB_ARTIFACTS_ROOT at the shared folder the server "
                        + "uses (its templatelab-store-id says " + id + ")")
                .hasMessageEndingWith("echo " + id + " > " + other.resolve(ArtifactStoreIdentity.MARKER));
        assertThat(marker(other)).as("left as it was").isEqualTo("other-store");
        assertThat(recorded()).isEqualTo(id);
    }

    /** A worker given an empty folder (another machine's /tmp, say) once the database has its store. */
    @Test
    void aFolderWithoutIdIsRefusedOnceTheDatabaseHasOneAndTheAdviceAdoptsIt() throws Exception {
        String id = new ArtifactStoreIdentity(jdbc, Files.createDirectories(dir.resolve("server"))).check();
        Path empty = Files.createDirectories(dir.resolve("empty"));

        assertThatThrownBy(() -> new ArtifactStoreIdentity(jdbc, empty).check())
                .isInstanceOf(UnusableArtifactStoreException.class)
                .hasMessageStartingWith(empty + " is not the artifact store of this database's experiments: it is "
                        + "empty (a new folder, or a mistyped path?) and has no store id (file templatelab-store-id), "
                        + "theirs is " + id);
        assertThat(empty.resolve(ArtifactStoreIdentity.MARKER)).as("nothing written").doesNotExist();
        Files.createDirectories(empty.resolve("experiments"));   // a store of its own, as another server's
        assertThatThrownBy(() -> new ArtifactStoreIdentity(jdbc, empty).check())
                .hasMessageStartingWith(empty + " is not the artifact store of this database's experiments: it has no "
                        + "store id (file templatelab-store-id), theirs is " + id);

        Files.writeString(empty.resolve(ArtifactStoreIdentity.MARKER), id + "\n");   // what `echo ID > file` writes
        assertThat(new ArtifactStoreIdentity(jdbc, empty).check()).as("adopted").isEqualTo(id);
    }

    /** Server and workers starting together on a fresh database and one fresh shared folder all agree on one id. */
    @Test
    void processesStartingTogetherOnOneFolderAgreeOnOneId() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));

        List<String> ids = together(8, i -> new ArtifactStoreIdentity(jdbc, shared).check());

        assertThat(ids).hasSize(8).containsOnly(recorded());
        assertThat(marker(shared)).isEqualTo(recorded());
    }

    /** The marker is created once: processes creating it at the same moment all get the id of the first. */
    @Test
    void aMarkerCreatedByManyAtOnceHoldsTheFirstOnesId() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));

        List<String> ids = together(8, i -> new ArtifactStoreIdentity(jdbc, shared).createMarker("store-" + i));

        assertThat(ids).hasSize(8).containsOnly(marker(shared));
    }

    /** Starting together on a fresh database with folders of their own: the first to record wins, the others are refused. */
    @Test
    void processesStartingTogetherOnDifferentFoldersLeaveOneStore() throws Exception {
        List<Path> folders = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            folders.add(Files.createDirectories(dir.resolve("own-" + i)));
        }

        List<String> outcomes = together(6, i -> {
            try {
                return new ArtifactStoreIdentity(jdbc, folders.get(i)).check();
            } catch (UnusableArtifactStoreException e) {
                return "refused";
            }
        });

        assertThat(outcomes).containsOnlyOnce(recorded()).containsOnly(recorded(), "refused");
    }

    private interface Start {
        String run(int i) throws Exception;
    }

    private static List<String> together(int processes, Start start) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(processes);
        try {
            java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(processes);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < processes; i++) {
                int n = i;
                Callable<String> task = () -> {
                    barrier.await();
                    return start.run(n);
                };
                results.add(pool.submit(task));
            }
            List<String> ids = new ArrayList<>();
            for (Future<String> r : results) {
                ids.add(r.get());
            }
            return ids;
        } finally {
            pool.shutdownNow();
        }
    }
}
