package dev.templatelab.training.data;

import static dev.templatelab.training.data.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.training.data.ValidationReport.SkippedFile;
import dev.templatelab.training.data.ValidationReport.SmallClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderImportTest {

    @TempDir
    Path temp;

    private ImportResult importFolder(Path root) {
        return DatasetImporter.importFrom(root, temp.resolve("work"), ImportLimits.defaults());
    }

    @Test
    void importsClassFoldersInEveryFormatIncludingNestedFilesAndIgnoresHiddenOnes() throws IOException {
        Path root = temp.resolve("pets");
        image(root.resolve("cat/c1.png"), "png", 1);
        image(root.resolve("cat/c2.jpg"), "jpg", 2);
        image(root.resolve("cat/sub/deeper/c3.png"), "png", 3);
        image(root.resolve("dog/d1.bmp"), "bmp", 4);
        image(root.resolve("dog/d2.gif"), "gif", 5);
        image(root.resolve("dog/d3.png"), "gray", 6);
        Files.write(root.resolve("cat/.DS_Store"), new byte[] {0, 0, 0, 1, 'B', 'u', 'd', '1'});
        image(root.resolve("dog/.thumbs/d9.png"), "png", 7);
        image(root.resolve("__MACOSX/cat/c1.png"), "png", 8);
        image(root.resolve(".git/x.png"), "png", 9);

        ImportResult result = importFolder(root);
        ImageDataset dataset = result.dataset();

        assertThat(dataset.classes()).containsExactly("cat", "dog");
        assertThat(dataset.multiLabel()).isFalse();
        assertThat(dataset.records()).extracting(r -> root.toRealPath().relativize(r.file()).toString())
                .containsExactly("cat/c1.png", "cat/c2.jpg", "cat/sub/deeper/c3.png",
                        "dog/d1.bmp", "dog/d2.gif", "dog/d3.png");
        assertThat(dataset.records()).extracting(ImageRecord::label)
                .containsExactly("cat", "cat", "cat", "dog", "dog", "dog");
        assertThat(dataset.records()).allSatisfy(r -> assertThat(r.file()).isAbsolute());
        assertThat(dataset.contentHash()).matches("[0-9a-f]{64}");
        assertThat(result.report().isClean()).as(result.report().lines().toString()).isTrue();
    }

    @Test
    void filesOutsideClassFoldersAreSkippedWithAReason() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 2, "b", 2), 10);
        Files.writeString(root.resolve("readme.txt"), "hello");

        ImportResult result = importFolder(root);

        assertThat(result.dataset().records()).hasSize(4);
        assertThat(result.report().skipped()).singleElement().satisfies(s -> {
            assertThat(s.file().getFileName()).hasToString("readme.txt");
            assertThat(s.reason()).contains("not inside a class folder");
        });
    }

    @Test
    void unreadableNonImageEmptyAndHugeFilesAreSkippedAndReported() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 3, "b", 3), 20);
        Files.writeString(root.resolve("a/notes.txt"), "these are not pixels");
        byte[] broken = new byte[64];
        System.arraycopy(TestImages.pngHeaderOnly(10, 10), 0, broken, 0, 12); // signature, then garbage
        Files.write(root.resolve("a/broken.png"), broken);
        Files.write(root.resolve("b/huge.png"), TestImages.pngHeaderOnly(100_000, 100_000));
        Files.createFile(root.resolve("b/empty.jpg"));

        ImportResult result = importFolder(root);

        assertThat(result.dataset().records()).hasSize(6);
        assertThat(result.dataset().records()).extracting(r -> r.file().getFileName().toString())
                .doesNotContain("notes.txt", "broken.png", "huge.png", "empty.jpg");
        Map<String, String> reasons = new LinkedHashMap<>();
        for (SkippedFile s : result.report().skipped()) {
            reasons.put(s.file().getFileName().toString(), s.reason());
        }
        assertThat(reasons).containsOnlyKeys("notes.txt", "broken.png", "huge.png", "empty.jpg");
        assertThat(reasons.get("notes.txt")).contains("not a JPEG, PNG, BMP, GIF or WebP image");
        assertThat(reasons.get("broken.png")).contains("unreadable or corrupt image");
        assertThat(reasons.get("huge.png")).contains("100000x100000").contains("over the limit of 100000000");
        assertThat(reasons.get("empty.jpg")).contains("empty file");
        assertThat(result.report().lines()).anySatisfy(l -> assertThat(l).contains("huge.png"));
    }

    /** Files whose headers read but whose pixels end early: training would stop at the first batch holding one. */
    @Test
    void imagesCutOffAfterTheirHeadersAreSkippedAndReported() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 3, "b", 3), 21);
        for (String format : List.of("png", "gif", "bmp", "jpg")) {
            Path whole = image(root.resolve("a/whole." + format), format, 22, 40, 30);
            byte[] bytes = Files.readAllBytes(whole);
            Files.write(root.resolve("b/cut." + format), Arrays.copyOf(bytes, bytes.length / 2));
        }

        ImportResult result = importFolder(root);

        assertThat(result.dataset().records()).extracting(r -> r.file().getFileName().toString())
                .contains("whole.png", "whole.gif", "whole.bmp", "whole.jpg").doesNotContain("cut.png", "cut.gif",
                        "cut.bmp", "cut.jpg");
        Map<String, String> reasons = new LinkedHashMap<>();
        for (SkippedFile s : result.report().skipped()) {
            reasons.put(s.file().getFileName().toString(), s.reason());
        }
        assertThat(reasons).containsOnlyKeys("cut.bmp", "cut.gif", "cut.jpg", "cut.png");   // in path order
        assertThat(List.of(reasons.get("cut.png"), reasons.get("cut.gif"), reasons.get("cut.bmp")))
                .allSatisfy(r -> assertThat(r).startsWith("damaged pixel data (").contains("copy it again"));
        // The JPEG reader fills what is missing with grey and only warns.
        assertThat(reasons.get("cut.jpg")).contains("the file is cut off").contains("copy it again");
    }

    /**
     * A trial imports its registered dataset again: headers suffice while the files hash as at registration (decoded
     * then); otherwise every image is decoded, as at any import.
     */
    @Test
    void aRegisteredDatasetIsDecodedAgainOnlyWhenItsFilesChanged() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 3, "b", 3), 24);
        byte[] whole = Files.readAllBytes(image(temp.resolve("whole.png"), "png", 25, 40, 30));
        Files.write(root.resolve("b/cut.png"), Arrays.copyOf(whole, whole.length / 2));
        ImportResult registered = importFolder(root);
        ImportResult headersOnly = DatasetImporter.importFrom(root, temp.resolve("work"),
                ImportLimits.defaults().headersOnly());
        assertThat(headersOnly.dataset().records()).as("the cut file's header reads").hasSize(7);

        ImportResult again = DatasetImporter.importRegistered(root, temp.resolve("work"),
                registered.dataset().contentHash(), ImportProgress.NONE);
        assertThat(again.dataset().contentHash()).isEqualTo(registered.dataset().contentHash());
        assertThat(again.report().skipped()).extracting(s -> s.file().getFileName().toString()).containsExactly("cut.png");

        // Registered when imports read headers only (the cut file counted): headers are enough to match it.
        ImportResult old = DatasetImporter.importRegistered(root, temp.resolve("work"),
                headersOnly.dataset().contentHash(), ImportProgress.NONE);
        assertThat(old.dataset().records()).hasSize(7);
        assertThat(old.report().skipped()).isEmpty();
    }

    /** The check runs on several threads; what it reports and hashes must not depend on which finished first. */
    @Test
    void theReportAndHashFollowPathOrder() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 30, "b", 30), 23);
        for (int i = 0; i < 20; i++) {
            Files.writeString(root.resolve((i % 2 == 0 ? "a" : "b") + "/note" + (char) ('a' + i) + ".txt"), "x");
        }

        ImportResult first = importFolder(root);
        ImportResult second = importFolder(root);

        assertThat(second.dataset().contentHash()).isEqualTo(first.dataset().contentHash());
        assertThat(first.dataset().records()).extracting(ImageRecord::file).isSortedAccordingTo(
                Comparator.comparing(p -> DatasetImporter.relativeName(root, p)));
        assertThat(first.report().skipped()).hasSize(20).extracting(SkippedFile::file).isSortedAccordingTo(
                Comparator.comparing(p -> DatasetImporter.relativeName(root, p)));
    }

    @Test
    void pixelLimitComesFromTheLimits() {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 2, "b", 2), 30);
        image(root.resolve("a/wide.png"), "png", 31, 40, 26); // 1040 pixels
        image(root.resolve("b/tall.jpg"), "jpg", 32, 30, 34); // 1020 pixels; the others are at most 31x31 = 961

        ImportResult result = DatasetImporter.importFrom(root, temp, ImportLimits.defaults().withMaxImagePixels(1000));

        assertThat(result.dataset().records()).hasSize(4);
        assertThat(result.report().skipped()).extracting(s -> s.file().getFileName().toString())
                .containsExactly("wide.png", "tall.jpg");
        assertThat(result.report().skipped()).allSatisfy(s -> assertThat(s.reason()).contains("over the limit of 1000"));
    }

    @Test
    void duplicateContentKeepsTheFirstFileAndReportsTheRest() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 2, "b", 2), 40);
        Files.copy(root.resolve("a/img0.png"), root.resolve("b/copy.png"));
        Files.copy(root.resolve("a/img0.png"), root.resolve("a/zz-copy.png"));

        ImportResult result = importFolder(root);

        assertThat(result.dataset().records()).hasSize(4);
        assertThat(result.report().duplicates()).hasSize(2).allSatisfy(d -> {
            assertThat(d.kept().getFileName()).hasToString("img0.png");
            assertThat(d.sha256()).isEqualTo(DatasetImporter.sha256(root.resolve("a/img0.png")));
        });
        assertThat(result.report().duplicates()).extracting(d -> d.duplicate().getFileName().toString())
                .containsExactly("zz-copy.png", "copy.png");
    }

    @Test
    void smallAndEmptyClassesAreWarnedAbout() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 3, "b", 1), 50);
        Files.createDirectories(root.resolve("c"));
        Files.writeString(root.resolve("c/notes.txt"), "no images here");

        ImportResult result = importFolder(root);

        assertThat(result.dataset().classes()).containsExactly("a", "b");
        assertThat(result.report().smallClasses())
                .containsExactly(new SmallClass("b", 1, 2), new SmallClass("c", 0, 2));
        assertThat(result.report().lines()).contains("class 'b' has only 1 image(s); at least 2 are recommended",
                "class 'c' has no usable images and was left out");
    }

    @Test
    void anEmptyFolderIsFatalAndSaysWhatIsExpected() throws IOException {
        Path root = Files.createDirectories(temp.resolve("nothing"));

        assertThatThrownBy(() -> importFolder(root))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("nothing")
                .hasMessageContaining("has no usable images")
                .hasMessageContaining("one subfolder per class");
    }

    @Test
    void aFolderWithOnlyUnusableFilesNamesOneOfThem() throws IOException {
        Path root = temp.resolve("junk");
        Files.createDirectories(root.resolve("a"));
        Files.writeString(root.resolve("a/list.txt"), "x");

        assertThatThrownBy(() -> importFolder(root))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("has no usable images")
                .hasMessageContaining("list.txt");
    }

    @Test
    void aSingleClassIsFatalAndNamesTheClass() {
        Path root = TestImages.classFolders(temp.resolve("only"), Map.of("cat", 3), 60);

        assertThatThrownBy(() -> importFolder(root))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("only one class ('cat')")
                .hasMessageContaining("at least two");
    }

    /** One folder level too high: the class folders are inside the only "class". */
    @Test
    void aSingleClassHoldingTheClassFoldersSaysWhichFolderToGive() throws Exception {
        Path root = temp.resolve("photos");
        TestImages.classFolders(root.resolve("train"), Map.of("cat", 3, "dog", 3), 60);

        assertThatThrownBy(() -> importFolder(root))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("only one class ('train')")
                .hasMessageEndingWith("; its images are in the subfolders [cat, dog] of " + root.toRealPath()
                        .resolve("train") + ": if those are the classes, give that folder as the dataset");
    }

    @Test
    void aMissingPathIsFatalAndNamed() {
        Path missing = temp.resolve("no-such-folder");

        assertThatThrownBy(() -> importFolder(missing))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("no-such-folder")
                .hasMessageContaining("does not exist");
    }

    @Test
    void anUnsupportedSourceFileIsFatal() throws IOException {
        Path text = Files.writeString(temp.resolve("dataset.txt"), "cat,dog");

        assertThatThrownBy(() -> importFolder(text))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("dataset.txt")
                .hasMessageContaining("neither a folder, a .zip archive nor a .csv manifest");
    }

    @Test
    void contentHashIsTheSameForTheSameContentInAnotherFolder() {
        Path first = TestImages.classFolders(temp.resolve("first"), Map.of("a", 3, "b", 3), 70);
        Path second = temp.resolve("elsewhere/second");
        TestImages.copyTree(first, second);

        String hash1 = importFolder(first).dataset().contentHash();
        String hash2 = importFolder(second).dataset().contentHash();

        assertThat(hash2).isEqualTo(hash1);
    }

    @Test
    void contentHashChangesWhenALabelOrThePixelsChange() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 3, "b", 3), 80);
        String original = importFolder(root).dataset().contentHash();

        // The image moves to class b: its label (and so its folder) changes, its bytes do not.
        Path relabelled = temp.resolve("relabelled");
        TestImages.copyTree(root, relabelled);
        Files.move(relabelled.resolve("a/img0.png"), relabelled.resolve("b/img0-from-a.png"));

        Path repainted = temp.resolve("repainted");
        TestImages.copyTree(root, repainted);
        image(repainted.resolve("a/img0.png"), "png", 999);

        assertThat(importFolder(relabelled).dataset().contentHash()).isNotEqualTo(original);
        assertThat(importFolder(repainted).dataset().contentHash()).isNotEqualTo(original);
    }

    @Test
    void recordsPointAtTheImportedFiles() throws IOException {
        Path root = TestImages.classFolders(temp.resolve("data"), Map.of("a", 2, "b", 2), 90);

        List<ImageRecord> records = importFolder(root).dataset().records();

        assertThat(records).allSatisfy(r -> assertThat(Files.isRegularFile(r.file())).isTrue());
        assertThat(records.get(0).file()).isEqualTo(root.toRealPath().resolve("a/img0.png"));
    }
}
