package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.cli.CapturedOutput.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code worker} at start: the artifact store it is given must be usable and the database's; its banner says what it joined. */
class WorkerCommandTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final TemporaryUserHome home = new TemporaryUserHome(() -> dir);   // TEMPLATELAB_HOME: dir/.templatelab

    /** As {@code --artifacts /etc/hostname/art}: refused at start, not after failing every trial it claims. */
    @Test
    void anArtifactFolderThatCannotBeWrittenIsRefusedAtStartInOneLine() throws Exception {
        Path unwritable = Files.writeString(dir.resolve("hostname"), "a file").resolve("art");

        Run worker = CapturedOutput.run("worker", "--artifacts", unwritable.toString());

        assertThat(worker.code()).isEqualTo(1);
        assertThat(worker.err()).contains("error: the artifact store folder " + unwritable + " cannot be written (",
                "give --artifacts / TEMPLATELAB_ARTIFACTS_ROOT a folder this user can write")
                .doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(worker.err().lines().filter(l -> l.startsWith("error:"))).hasSize(1);
        assertThat(dir.resolve(".templatelab").resolve("postgres")).as("refused before the database started")
                .doesNotExist();
    }

    /**
     * A worker without {@code --db} names the embedded database and store it uses, and warns that no server elsewhere
     * sees them; one given another store folder than the one that database's experiments use is refused.
     */
    @Test
    void theBannerNamesDatabaseAndStoreAndAWorkerOnAnotherStoreIsRefused() throws Exception {
        Path templatelabHome = dir.resolve(".templatelab");
        String said = CliProcess.interruptedWhen(dir, out -> out.contains("waiting for trials"), "the worker started",
                "worker", "--id", "w1");
        assertThat(said).contains("worker w1 joined the embedded database under " + templatelabHome + " (artifact store "
                + templatelabHome.resolve("artifacts") + "): 1 thread(s) waiting for trials",
                "warning: no --db or DATABASE_URL, so this worker uses the embedded database under " + templatelabHome
                        + ", which no server on another machine sees");
        String storeId = Files.readString(templatelabHome.resolve("artifacts/templatelab-store-id")).trim();

        Path other = dir.resolve("other-artifacts");
        Run elsewhere = CapturedOutput.run("worker", "--artifacts", other.toString());

        assertThat(elsewhere.code()).isEqualTo(1);
        assertThat(elsewhere.err()).contains("error: " + other + " is not the artifact store of this database's "
                + "experiments: it is empty (a new folder, or a mistyped path?) and has no store id (file "
                + "templatelab-store-id), theirs is " + storeId,
                "echo " + storeId + " > " + other.resolve("templatelab-store-id")).doesNotContain("\tat ");
        assertThat(elsewhere.err().lines().filter(l -> l.startsWith("error:"))).hasSize(1);
    }
}
