package dev.templatelab.cli;

import static dev.templatelab.cli.CapturedOutput.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.cli.CapturedOutput.Run;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The options {@code train}, {@code pretrain} and {@code tune} share: help texts and the errors they give, all before any training starts. */
class TrainAndTuneOptionsTest {

    private static final String DATA_HELP = "Folder with one subfolder per class, a zip of it, or a CSV manifest.";

    @TempDir
    Path dir;

    @Test
    void aMissingDatasetNamesTheOptionInTrainAndTune() {
        Path missing = dir.resolve("no-such-folder");
        Run train = run("train", "--template", "Clarifai_InceptionV2", "--data", missing.toString(),
                "--out", dir.resolve("m.tlckpt").toString());
        Run tune = run("tune", "--templates", "Clarifai_InceptionV2", "--data", missing.toString());
        for (Run r : new Run[] {train, tune}) {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("error: dataset path " + missing + " does not exist; check --data")
                    .doesNotContain("Exception");
        }
        assertThat(dir.resolve("m.tlckpt")).doesNotExist();
    }

    @Test
    void malformedOrRepeatedSetIsAnErrorNamingTheEntry() {
        Run malformed = run("train", "--template", "Clarifai_InceptionV2", "--data", dir.toString(),
                "--out", dir.resolve("m.tlckpt").toString(), "--set", "batch_size");
        assertThat(malformed.code()).isEqualTo(2);
        assertThat(malformed.err()).contains("error: --set expects name=value, got 'batch_size'");

        Run twice = run("pretrain", "--template", "Clarifai_InceptionV2", "--name", "x", "--data", dir.toString(),
                "--set", "batch_size=8", "--set", "batch_size=16");
        assertThat(twice.code()).isEqualTo(2);
        assertThat(twice.err()).contains("error: --set batch_size given twice");
    }

    @Test
    void anOutputThatIsAFolderOrAnEarlierRunOrAnInvalidWeightsNameIsRefusedBeforeTraining() throws Exception {
        Path folder = java.nio.file.Files.createDirectories(dir.resolve("models"));
        Run train = run("train", "--template", "Clarifai_InceptionV2", "--data", dir.toString(), "--out", folder.toString());
        assertThat(train.code()).isEqualTo(2);
        assertThat(train.err()).contains("error: --out " + folder + " is a folder; give the checkpoint file to write");

        Path earlier = java.nio.file.Files.writeString(dir.resolve("earlier.tlckpt"), "an earlier run's checkpoint");
        Run again = run("train", "--template", "Clarifai_InceptionV2", "--data", dir.toString(), "--out", earlier.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("error: --out " + earlier + " exists: --resume continues that run, --overwrite "
                + "starts again");
        assertThat(java.nio.file.Files.readString(earlier)).as("kept").isEqualTo("an earlier run's checkpoint");

        Run pretrain = run("pretrain", "--template", "Clarifai_InceptionV2", "--name", "resnet 50", "--data",
                dir.resolve("no-such-folder").toString());
        assertThat(pretrain.code()).isEqualTo(2);
        assertThat(pretrain.err()).contains("error: weights name 'resnet 50' must be");
    }

    @Test
    void aDatabaseThatCannotBeReachedIsOneLineWithWhatToCheck() {
        Run worker = run("worker", "--db", "postgresql://someone:secret@127.0.0.1:1/templatelab");
        assertThat(worker.code()).isEqualTo(1);
        assertThat(worker.err()).contains("error: ", "check the database URL (--db / DATABASE_URL)",
                "TEMPLATELAB_DEBUG=1 prints the stack trace").doesNotContain("\tat ").doesNotContain("secret");
    }

    @Test
    void helpDescribesDataAndEachCommandsSetSyntax() {
        String train = help("train");
        assertThat(train).contains("--data=<data>", DATA_HELP, "--set=NAME=VALUE", "Hyperparameter, Clarifai name: --set batch_size=32");
        assertThat(help("pretrain")).contains("--set=NAME=VALUE", "Hyperparameter, Clarifai name");
        String tune = help("tune");
        assertThat(tune).contains("--data=<data>", DATA_HELP, "Search space change: name=value, name=low..high")
                .doesNotContain("Hyperparameter, Clarifai name");
    }

    /** {@code command --help} with picocli's line wrapping undone, so descriptions can be matched whole. */
    private static String help(String command) {
        return CapturedOutput.succeeds(command, "--help").replaceAll("\\s+", " ");
    }
}
