package dev.templatelab.training.data;

import static dev.templatelab.training.data.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestImportTest {

    @TempDir
    Path temp;

    private Path root;

    @BeforeEach
    void images() {
        root = temp.resolve("photos");
        image(root.resolve("a.png"), "png", 1);
        image(root.resolve("b.jpg"), "jpg", 2);
        image(root.resolve("img, 1.png"), "png", 3);
        image(root.resolve("nested/d.bmp"), "bmp", 4);
    }

    private ImportResult importCsv(String name, String csv) throws IOException {
        Path manifest = Files.writeString(root.resolve(name), csv);
        return DatasetImporter.importFrom(manifest, temp.resolve("work"), ImportLimits.defaults());
    }

    @Test
    void readsASingleLabelManifestWithHeaderQuotesCrlfAndBom() throws IOException {
        String csv = "\uFEFFpath,label\r\n"
                + "a.png,cat\r\n"
                + "\"img, 1.png\",\"cat\"\r\n"
                + "\r\n"
                + "b.jpg, dog \r\n"
                + "nested/d.bmp,dog\r\n";

        ImportResult result = importCsv("labels.csv", csv);
        ImageDataset dataset = result.dataset();

        assertThat(dataset.multiLabel()).isFalse();
        assertThat(dataset.classes()).containsExactly("cat", "dog");
        assertThat(dataset.records()).extracting(r -> r.file().getFileName().toString(), ImageRecord::labels)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a.png", List.of("cat")),
                        org.assertj.core.groups.Tuple.tuple("b.jpg", List.of("dog")),
                        org.assertj.core.groups.Tuple.tuple("img, 1.png", List.of("cat")),
                        org.assertj.core.groups.Tuple.tuple("d.bmp", List.of("dog")));
        assertThat(result.report().isClean()).as(result.report().lines().toString()).isTrue();
    }

    @Test
    void readsAMultiLabelManifestWithoutHeader() throws IOException {
        String csv = "a.png,cat;dog\nb.jpg,dog\n\"img, 1.png\",cat\nnested/d.bmp,outdoor;dog;cat\n";

        ImageDataset dataset = importCsv("tags.csv", csv).dataset();

        assertThat(dataset.multiLabel()).isTrue();
        assertThat(dataset.classes()).containsExactly("cat", "dog", "outdoor");
        assertThat(dataset.records().get(0).labels()).containsExactly("cat", "dog");
        assertThat(dataset.records().get(3).labels()).containsExactly("outdoor", "dog", "cat");
        assertThat(dataset.imagesPerClass()).as("an image counts once per label")
                .containsExactly(entry("cat", 3), entry("dog", 3), entry("outdoor", 1));
    }

    /** Not the folder layout's advice ("one subfolder per class"): a CSV without rows needs rows. */
    @Test
    void aManifestWithoutRowsSaysWhatRowsItNeeds() {
        for (String csv : new String[] {"", "path,label\n"}) {
            assertThatThrownBy(() -> importCsv("labels.csv", csv))
                    .isInstanceOf(DatasetException.class)
                    .hasMessageEndingWith("has no usable images; the manifest lists no images: expected rows "
                            + "'path,label' (e.g. cat/1.jpg,cat), paths relative to its folder");
        }
    }

    @Test
    void aRowWithAnUnknownFileIsFatalAndNamesItAndItsLine() {
        String csv = "path,label\na.png,cat\nmissing.png,dog\n";

        assertThatThrownBy(() -> importCsv("labels.csv", csv))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("'missing.png'")
                .hasMessageContaining("line 3")
                .hasMessageContaining("labels.csv")
                .hasMessageContaining("does not exist");
    }

    @Test
    void aPathLeavingTheManifestFolderIsFatal() throws IOException {
        image(temp.resolve("outside.png"), "png", 9);
        String csv = "a.png,cat\n../outside.png,dog\n";

        assertThatThrownBy(() -> importCsv("labels.csv", csv))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("'../outside.png'")
                .hasMessageContaining("outside the manifest's folder");
    }

    @Test
    void malformedRowsAreFatalWithTheirLine() {
        assertThatThrownBy(() -> importCsv("a.csv", "a.png,cat\nb.jpg\n"))
                .isInstanceOf(DatasetException.class).hasMessageContaining("line 2").hasMessageContaining("1 column");
        assertThatThrownBy(() -> importCsv("b.csv", "a.png,cat\nb.jpg,cat,dog\n"))
                .isInstanceOf(DatasetException.class).hasMessageContaining("line 2").hasMessageContaining("';'");
        assertThatThrownBy(() -> importCsv("c.csv", "a.png,cat\nb.jpg, ;\n"))
                .isInstanceOf(DatasetException.class).hasMessageContaining("no label for 'b.jpg'");
        assertThatThrownBy(() -> importCsv("d.csv", "a.png,cat\n\"b.jpg,dog\n"))
                .isInstanceOf(DatasetException.class).hasMessageContaining("never closed");
        assertThatThrownBy(() -> importCsv("e.csv", "a.png,cat\nb.jpg,dog\na.png,dog\n"))
                .isInstanceOf(DatasetException.class).hasMessageContaining("'a.png' twice (lines 1 and 3)");
    }

    @Test
    void unusableListedFilesAreSkippedAndReported() throws IOException {
        Files.writeString(root.resolve("notes.txt"), "not an image");
        String csv = "a.png,cat\nb.jpg,dog\nnotes.txt,dog\n\"img, 1.png\",cat\nnested/d.bmp,dog\n";

        ImportResult result = importCsv("labels.csv", csv);

        assertThat(result.dataset().records()).hasSize(4);
        assertThat(result.report().skipped()).singleElement().satisfies(s -> {
            assertThat(s.file().getFileName()).hasToString("notes.txt");
            assertThat(s.reason()).contains("not a JPEG, PNG, BMP, GIF or WebP image");
        });
    }

    @Test
    void contentHashChangesWithALabelButNotWithLabelOrderOrRowOrder() throws IOException {
        String base = importCsv("1.csv", "a.png,cat;dog\nb.jpg,dog\n\"img, 1.png\",cat\n").dataset().contentHash();
        String reordered = importCsv("2.csv", "\"img, 1.png\",cat\nb.jpg,dog\na.png,dog;cat\n").dataset().contentHash();
        String relabelled = importCsv("3.csv", "a.png,cat;dog\nb.jpg,cat\n\"img, 1.png\",cat\n").dataset().contentHash();

        assertThat(reordered).isEqualTo(base);
        assertThat(relabelled).isNotEqualTo(base);
    }
}
