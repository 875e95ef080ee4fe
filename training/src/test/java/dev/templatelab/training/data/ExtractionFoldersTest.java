package dev.templatelab.training.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    /** Holds an extraction folder under args[0], prints its path, and keeps it until killed. */
    public static void main(String[] args) throws Exception {
        Path folder = ExtractionFolders.create(Path.of(args[0]));
        Files.writeString(folder.resolve("image.png"), "pixels");
        System.out.println(folder);
        System.out.flush();
        Thread.sleep(TimeUnit.MINUTES.toMillis(5));
    }

    @Test
    void aFolderAnotherLiveProcessHoldsIsKeptAndSweptOnceThatProcessIsKilled() throws Exception {
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ExtractionFoldersTest.class.getName(), work.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            Path folder;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8))) {
                folder = Path.of(out.readLine());
            }
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

    @Test
    void aFolderThisProcessHoldsIsKeptUntilDeleted() throws IOException {
        Path folder = ExtractionFolders.create(work);
        Files.writeString(folder.resolve("image.png"), "pixels");

        assertThat(ExtractionFolders.sweepAbandoned(work)).isZero();
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

    /** Older versions extracted without lock files; only import-* folders are ours to judge. */
    @Test
    void unlockedImportFoldersGoAndEverythingElseStays() throws IOException {
        Path old = Files.createDirectories(work.resolve("import-123"));
        Files.writeString(old.resolve("image.png"), "pixels");
        Path other = Files.createDirectories(work.resolve("bundles"));
        Path file = Files.writeString(work.resolve("import-notes.txt"), "not a folder");
        Path loneLock = Files.createFile(work.resolve("import-456.lock"));

        assertThat(ExtractionFolders.sweepAbandoned(work)).isEqualTo(1);

        assertThat(entries()).containsExactlyInAnyOrder(other, file, loneLock);
        assertThat(ExtractionFolders.sweepAbandoned(work.resolve("missing"))).isZero();
    }

    private List<Path> entries() throws IOException {
        Path real = work.toRealPath();
        try (var listed = Files.list(real)) {
            return listed.toList();
        }
    }
}
