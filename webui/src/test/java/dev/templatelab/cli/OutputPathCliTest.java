package dev.templatelab.cli;

import static dev.templatelab.cli.CapturedOutput.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.cli.CapturedOutput.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output file that cannot be written is bad input, said before any work: the dataset named here does not even
 * exist, so a command that got past its output check would complain about that instead.
 */
class OutputPathCliTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final TemporaryUserHome home = new TemporaryUserHome(() -> dir);

    private String missingData() {
        return dir.resolve("no-such-dataset").toString();
    }

    @Test
    void trainRefusesAnOutUnderARegularFileBeforeTheDataset() throws Exception {
        Path file = Files.writeString(dir.resolve("a.tlckpt"), "a file, not a folder");
        Path out = file.resolve("x.tlckpt");
        Run r = run("train", "--template", "Clarifai_InceptionV2", "--data", missingData(), "--out", out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("error: --out " + out + " cannot be written: " + file + " is a file, not a folder")
                .doesNotContain("dataset").doesNotContain("Exception");
    }

    @Test
    void trainRefusesAnOutWhereNoFileCanBeCreated() {
        // /proc takes no new files, whoever runs this (root included); on Linux, where TemplateLab runs.
        Run r = run("train", "--template", "Clarifai_InceptionV2", "--data", missingData(), "--out", "/proc/x.tlckpt");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("error: --out /proc/x.tlckpt cannot be written: cannot create a file in /proc (")
                .doesNotContain("dataset");
    }

    @Test
    void trainAcceptsAnOutInFoldersStillToBeCreatedAndCreatesNothingBeforeItWrites() throws Exception {
        Path out = dir.resolve("models").resolve("run1").resolve("m.tlckpt");
        Run r = run("train", "--template", "Clarifai_InceptionV2", "--data", missingData(), "--out", out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).as("past the output check").contains("error: dataset path " + missingData() + " does not exist");
        assertThat(dir.resolve("models")).doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith(".templatelab-write-check")).toList())
                    .as("the write check's probe").isEmpty();
        }
    }

    @Test
    void anEmptyOutIsRefused() {
        Run r = run("train", "--template", "Clarifai_InceptionV2", "--data", missingData(), "--out", "");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("error: --out is empty; give the checkpoint file to write");
    }

    @Test
    void inferRefusesAFolderOrAnUnwritableOutputBeforeReadingAnything() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("out"));
        String[] infer = {"infer", "--checkpoint", dir.resolve("no.tlckpt").toString(), "--input",
                dir.resolve("no-input.npy").toString(), "--output"};
        Run intoFolder = run(with(infer, folder.toString()));
        assertThat(intoFolder.code()).isEqualTo(2);
        assertThat(intoFolder.err()).contains("error: --output " + folder + " is a folder; give the .npy file to write")
                .doesNotContain(".tmp");

        Path file = Files.writeString(dir.resolve("logits.npy"), "x");
        Run underFile = run(with(infer, file.resolve("l.npy").toString()));
        assertThat(underFile.code()).isEqualTo(2);
        assertThat(underFile.err()).contains("error: --output " + file.resolve("l.npy") + " cannot be written: " + file
                + " is a file, not a folder");
    }

    @Test
    void weightsImportRefusesAnUnwritableOutBeforeReadingTheStateDict() throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        Path out = file.resolve("w.tlckpt");
        Run r = run("weights", "import", "--template", "Clarifai_InceptionV2", "--file",
                dir.resolve("no-such.safetensors").toString(), "--name", "w", "--out", out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("error: --out " + out + " cannot be written: " + file + " is a file, not a folder");
    }

    @Test
    void exportRefusesAnUnwritableOrFolderOutBeforeLoadingTheCheckpoint() throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        Path out = file.resolve("m.safetensors");
        Run underFile = run("export", "--checkpoint", dir.resolve("no.tlckpt").toString(), "--out", out.toString());
        assertThat(underFile.code()).isEqualTo(2);
        assertThat(underFile.err()).contains("error: --out " + out + " cannot be written: " + file + " is a file, not a folder");

        Path folder = Files.createDirectories(dir.resolve("export.safetensors"));
        Run intoFolder = run("export", "--checkpoint", dir.resolve("no.tlckpt").toString(), "--out", folder.toString());
        assertThat(intoFolder.err()).contains("error: --out " + folder + " is a folder; give the .safetensors file to write");
    }

    private static String[] with(String[] args, String last) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }
}
