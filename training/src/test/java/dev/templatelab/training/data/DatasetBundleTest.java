package dev.templatelab.training.data;

import static dev.templatelab.training.data.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle gives back the very dataset it was made from, wherever it is unpacked. */
class DatasetBundleTest {

    @TempDir
    Path temp;

    @Test
    void aClassFolderDatasetComesBackWithTheSameRecordsAndHashWithoutItsSkippedFiles() throws IOException {
        Path root = temp.resolve("pets");
        image(root.resolve("cat/a.png"), "png", 1);
        image(root.resolve("cat/nested/b.jpg"), "jpg", 2);
        image(root.resolve("dog, the good/c.png"), "png", 3);
        image(root.resolve("dog, the good/d \"quoted\".gif"), "gif", 4);
        Files.writeString(root.resolve("cat/notes.txt"), "not an image");
        Files.copy(root.resolve("cat/a.png"), root.resolve("cat/copy-of-a.png"));
        ImportResult original = DatasetImporter.importFrom(root, null, ImportLimits.defaults());

        Path unpacked = roundTrip(original, "pets");

        assertThat(unpacked.resolve(DatasetBundle.MANIFEST)).doesNotExist();
        assertThat(DatasetBundle.source(unpacked)).isEqualTo(unpacked);
        assertSameDataset(DatasetImporter.importFrom(DatasetBundle.source(unpacked), null, ImportLimits.defaults()), original);
        try (Stream<Path> files = Files.walk(unpacked)) {
            assertThat(files.filter(Files::isRegularFile).map(f -> unpacked.relativize(f).toString()).sorted())
                    .as("only the usable images: no text file, no duplicate")
                    .containsExactly("cat/a.png", "cat/nested/b.jpg", "dog, the good/c.png", "dog, the good/d \"quoted\".gif");
        }
    }

    @Test
    void aMultiLabelManifestDatasetCarriesItsManifest() throws IOException {
        Path root = temp.resolve("scenes");
        image(root.resolve("a.png"), "png", 1);
        image(root.resolve("deep/b.png"), "png", 2);
        image(root.resolve("img, 3.png"), "png", 3);
        Path csv = Files.writeString(root.resolve("labels.csv"), "a.png,beach;sky\ndeep/b.png,sky\n\"img, 3.png\",beach\n");
        ImportResult original = DatasetImporter.importFrom(csv, null, ImportLimits.defaults());

        Path unpacked = roundTrip(original, "scenes");

        assertThat(DatasetBundle.source(unpacked)).isEqualTo(unpacked.resolve(DatasetBundle.MANIFEST));
        ImportResult copy = DatasetImporter.importFrom(DatasetBundle.source(unpacked), null, ImportLimits.defaults());
        assertSameDataset(copy, original);
        assertThat(copy.dataset().multiLabel()).isTrue();
    }

    @Test
    void aSingleLabelManifestWhoseLabelsAreNotItsFoldersKeepsItsNames() throws IOException {
        Path root = temp.resolve("flat");
        image(root.resolve("x/1.png"), "png", 1);
        image(root.resolve("x/2.png"), "png", 2);
        Path csv = Files.writeString(root.resolve("m.csv"), "x/1.png,cat\nx/2.png,dog\n");
        ImportResult original = DatasetImporter.importFrom(csv, null, ImportLimits.defaults());

        Path unpacked = roundTrip(original, "flat");

        assertSameDataset(DatasetImporter.importFrom(DatasetBundle.source(unpacked), null, ImportLimits.defaults()), original);
    }

    @Test
    void packingTheSameDatasetTwiceGivesTheSameBytes() throws Exception {
        Path root = temp.resolve("pets");
        image(root.resolve("cat/a.png"), "png", 1);
        image(root.resolve("dog/b.png"), "png", 2);
        ImportResult imported = DatasetImporter.importFrom(root, null, ImportLimits.defaults());
        java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
        DatasetBundle.write(imported, first);
        Thread.sleep(2100);   // past zip's 2-second time resolution
        java.io.ByteArrayOutputStream second = new java.io.ByteArrayOutputStream();
        DatasetBundle.write(imported, second);

        assertThat(second.toByteArray()).as("two launches packing at once write the same file").isEqualTo(first.toByteArray());
    }

    @Test
    void aManifestWhoseOnlyMultiLabelRowWasSkippedIsSingleLabelBeforeAndAfter() throws IOException {
        Path root = temp.resolve("scenes");
        image(root.resolve("a.png"), "png", 1);
        image(root.resolve("b.png"), "png", 2);
        Files.writeString(root.resolve("broken.png"), "not an image");
        Path csv = Files.writeString(root.resolve("labels.csv"), "a.png,beach\nb.png,sky\nbroken.png,beach;sky\n");
        ImportResult original = DatasetImporter.importFrom(csv, null, ImportLimits.defaults());
        assertThat(original.dataset().multiLabel()).as("the kept images have one label each").isFalse();

        Path unpacked = roundTrip(original, "scenes");

        assertSameDataset(DatasetImporter.importFrom(DatasetBundle.source(unpacked), null, ImportLimits.defaults()), original);
    }

    @Test
    void aBundleWithOtherImagesIsRefusedAndLeavesNothing() throws IOException {
        Path root = temp.resolve("pets");
        image(root.resolve("cat/a.png"), "png", 1);
        image(root.resolve("dog/b.png"), "png", 2);
        ImportResult original = DatasetImporter.importFrom(root, null, ImportLimits.defaults());
        Path bundle = temp.resolve("pets.zip");
        try (OutputStream out = Files.newOutputStream(bundle)) {
            DatasetBundle.write(original, out);
        }
        Path work = temp.resolve("work");

        String otherHash = "0".repeat(64);
        assertThatThrownBy(() -> DatasetBundle.unpack(bundle, work, otherHash))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("holds other images than its dataset")
                .hasMessageContaining(otherHash);
        try (Stream<Path> left = Files.list(work)) {
            assertThat(left).as("the refused extraction is deleted").isEmpty();
        }
    }

    private Path roundTrip(ImportResult original, String name) throws IOException {
        Path bundle = temp.resolve(name + ".zip");
        try (OutputStream out = Files.newOutputStream(bundle)) {
            DatasetBundle.write(original, out);
        }
        return DatasetBundle.unpack(bundle, temp.resolve("elsewhere"), original.dataset().contentHash());
    }

    private static void assertSameDataset(ImportResult copy, ImportResult original) {
        ImageDataset a = copy.dataset();
        ImageDataset b = original.dataset();
        assertThat(a.contentHash()).isEqualTo(b.contentHash());
        assertThat(a.classes()).isEqualTo(b.classes());
        assertThat(a.multiLabel()).isEqualTo(b.multiLabel());
        assertThat(names(copy)).isEqualTo(names(original));
        assertThat(a.records()).extracting(ImageRecord::labels).isEqualTo(b.records().stream().map(ImageRecord::labels).toList());
        assertThat(copy.root()).isNotEqualTo(original.root());
    }

    private static List<String> names(ImportResult r) {
        return r.dataset().records().stream().map(rec -> r.root().relativize(rec.file()).toString()).toList();
    }
}
