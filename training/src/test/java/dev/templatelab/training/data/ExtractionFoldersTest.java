package dev.templatelab.training.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extraction folders and the sweep of abandoned ones: a folder a live process holds stays, however old; one whose
 * process was killed goes at the next sweep.
 */
class ExtractionFoldersTest {

    @TempDir
    Path work;

    /**
     * Another process: {@code hold DIR} holds an extraction folder under DIR, prints its path and keeps it until killed;
     * {@code sweep DIR} sweeps DIR and prints how many folders it deleted.
     */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("sweep")) {
            System.out.println(ExtractionFolders.sweepAbandoned(Path.of(args[1])));
            return;
        }
        Path folder = ExtractionFolders.create(Path.of(args[1]));
        Files.writeString(folder.resolve("image.png"), "pixels");
        System.out.println(folder);
        System.out.flush();
        Thread.sleep(TimeUnit.MINUTES.toMillis(5));
    }

    /** Starts {@link #main} in a JVM of its own. */
    private static Process otherProcess(String what, Path dir) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ExtractionFoldersTest.class.getName(), what, dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The first line the process prints, or a failure after a minute (never a hung test). */
    private static String firstLine(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get(1, TimeUnit.MINUTES);
    }

    @Test
    void aFolderAnotherLiveProcessHoldsIsKeptAndSweptOnceThatProcessIsKilled() throws Exception {
        Process holder = otherProcess("hold", work);
        try {
            Path folder = Path.of(firstLine(holder));
            assertThat(ExtractionFolders.sweepAbandoned(work)).as("held by a running process").isZero();
            assertThat(folder.resolve("image.png")).exists();

            holder.destroyForcibly();   // SIGKILL: no shutdown hook, no cleanup of its own
            assertThat(holder.waitFor(1, TimeUnit.MINUTES)).isTrue();

            assertThat(ExtractionFolders.sweepAbandoned(work)).isEqualTo(1);
            assertThat(entries()).as("the folder and its lock file").isEmpty();
        } finally {
            holder.destroyForcibly();
        }
    }

    /**
     * A sweep here leaves this process's own folders held for other processes too: closing any channel on a lock file
     * would drop this process's lock on it (POSIX), and another process's sweep would then delete a folder in use.
     */
    @Test
    void aFolderThisProcessHoldsIsKeptFromEveryProcessUntilDeleted() throws Exception {
        Path folder = ExtractionFolders.create(work);
        Files.writeString(folder.resolve("image.png"), "pixels");

        assertThat(ExtractionFolders.sweepAbandoned(work)).isZero();
        Process sweeper = otherProcess("sweep", work);
        assertThat(firstLine(sweeper)).as("folders another process's sweep deleted").isEqualTo("0");
        assertThat(sweeper.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(folder.resolve("image.png")).exists();

        ExtractionFolders.delete(folder);
        assertThat(entries()).as("the folder and its lock file").isEmpty();
    }

    @Test
    void aKeptFolderStaysWithoutItsLockFile() throws IOException {
        Path folder = ExtractionFolders.create(work);

        ExtractionFolders.keep(folder);

        assertThat(entries()).containsExactly(folder);
    }

    /** Older versions extracted without lock files; import-* folders and stray lock files are ours to judge. */
    @Test
    void unlockedImportFoldersGoAndEverythingElseStays() throws IOException {
        Path old = Files.createDirectories(work.resolve("import-123"));
        Files.writeString(old.resolve("image.png"), "pixels");
        Path other = Files.createDirectories(work.resolve("bundles"));
        Path file = Files.writeString(work.resolve("import-notes.txt"), "not a folder");
        Path youngLock = Files.createFile(work.resolve("import-456.lock"));   // perhaps about to be locked
        Path strayLock = Files.createFile(work.resolve("import-789.lock"));   // its process died before deleting it
        Files.setLastModifiedTime(strayLock, FileTime.from(Instant.now().minus(Duration.ofMinutes(5))));

        assertThat(ExtractionFolders.sweepAbandoned(work)).isEqualTo(1);

        assertThat(entries()).containsExactlyInAnyOrder(other, file, youngLock);
        assertThat(ExtractionFolders.sweepAbandoned(work.resolve("missing"))).isZero();
    }

    /** A folder the caller keeps (a dataset's home) stays, and the sweep leaves no lock file beside it. */
    @Test
    void keptFoldersStay() throws IOException {
        Path home = Files.createDirectories(work.resolve("import-home"));
        Path abandoned = Files.createDirectories(work.resolve("import-abandoned"));

        assertThat(ExtractionFolders.sweepAbandoned(work, folder -> folder.getFileName().toString().equals("import-home")))
                .isEqualTo(1);

        assertThat(entries()).containsExactly(home.toRealPath());
        assertThat(abandoned).doesNotExist();
    }

    private List<Path> entries() throws IOException {
        Path real = work.toRealPath();
        try (var listed = Files.list(real)) {
            return listed.toList();
        }
    }
}
