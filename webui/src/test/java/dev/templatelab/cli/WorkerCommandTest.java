package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.cli.CapturedOutput.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code worker} at start: the artifact store it is given must be usable. */
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
    }
}
