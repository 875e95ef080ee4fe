package dev.templatelab.training.data;

import static dev.templatelab.training.data.TestImages.bytes;
import static dev.templatelab.training.data.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipImportTest {

    @TempDir
    Path temp;

    private Path work;
    private Map<String, byte[]> pets;

    @BeforeEach
    void fourPets() {
        work = temp.resolve("work");
        Path source = temp.resolve("source");
        pets = new LinkedHashMap<>();
        pets.put("cat/c1.png", bytes(image(source.resolve("c1.png"), "png", 1)));
        pets.put("cat/sub/c2.jpg", bytes(image(source.resolve("c2.jpg"), "jpg", 2)));
        pets.put("dog/d1.bmp", bytes(image(source.resolve("d1.bmp"), "bmp", 3)));
        pets.put("dog/d2.gif", bytes(image(source.resolve("d2.gif"), "gif", 4)));
    }

    private ImportResult importZip(Path zip, ImportLimits limits) {
        return DatasetImporter.importFrom(zip, work, limits);
    }

    private Map<String, byte[]> petsWith(String name, byte[] content) {
        Map<String, byte[]> entries = new LinkedHashMap<>(pets);
        entries.put(name, content);
        return entries;
    }

    private void assertNothingExtracted() throws IOException {
        if (Files.exists(work)) {
            assertThat(TestImages.entriesUnder(work)).as("files left in " + work).isZero();
        }
    }

    /** Records what an import reports, and stops it once {@code stopWhen} holds. */
    private static final class RecordingProgress implements ImportProgress {
        final List<String> reports = new ArrayList<>();
        final java.util.function.Predicate<RecordingProgress> stopWhen;
        int asked;

        RecordingProgress(java.util.function.Predicate<RecordingProgress> stopWhen) {
            this.stopWhen = stopWhen;
        }

        @Override
        public boolean stopRequested() {
            asked++;
            return stopWhen.test(this);
        }

        @Override
        public void progressed(Phase phase, int done, int total) {
            reports.add((phase == Phase.EXTRACTING ? "extracted " : "checked ") + done + "/" + total);
        }
    }

    /** A long import says how far it got: every entry written, then every file checked, counting up to the total. */
    @Test
    void anImportReportsEachEntryWrittenAndEachFileChecked() throws IOException {
        Path zip = TestImages.zip(temp.resolve("pets.zip"), pets);
        RecordingProgress progress = new RecordingProgress(p -> false);

        DatasetImporter.importFrom(zip, work, ImportLimits.defaults(), progress);

        assertThat(progress.reports).containsExactly("extracted 0/4", "extracted 1/4", "extracted 2/4",
                "extracted 3/4", "extracted 4/4", "checked 0/4", "checked 1/4", "checked 2/4", "checked 3/4",
                "checked 4/4");
        assertThat(progress.asked).as("asked before each entry and each file").isEqualTo(8);
    }

    /** Asked to stop (Ctrl-C, a paused trial, Stop on the Datasets page) while extracting: nothing is left. */
    @Test
    void anImportAskedToStopWhileExtractingStopsAtItsNextEntryAndLeavesNothing() throws IOException {
        Path zip = TestImages.zip(temp.resolve("pets.zip"), pets);
        RecordingProgress progress = new RecordingProgress(p -> p.asked > 2);

        assertThatThrownBy(() -> DatasetImporter.importFrom(zip, work, ImportLimits.defaults(), progress))
                .isInstanceOf(ImportStoppedException.class)
                .hasMessageContaining("stopped while extracting").hasMessageContaining("(2 of 4 files written)");
        assertThat(progress.asked).isEqualTo(3);
        assertNothingExtracted();
    }

    /** Asked to stop while checking images: it stops at its next image and deletes what it extracted. */
    @Test
    void anImportAskedToStopWhileCheckingStopsAtItsNextImageAndLeavesNothing() throws IOException {
        Path zip = TestImages.zip(temp.resolve("pets.zip"), pets);
        RecordingProgress progress = new RecordingProgress(p -> p.asked > 4 + 2);

        assertThatThrownBy(() -> DatasetImporter.importFrom(zip, work, ImportLimits.defaults(), progress))
                .isInstanceOf(ImportStoppedException.class)
                .hasMessageContaining("stopped while reading").hasMessageContaining("(2 of 4 files checked)");
        assertThat(progress.asked).isEqualTo(7);
        assertThat(progress.reports).endsWith("checked 2/4");
        assertNothingExtracted();
    }

    /** The caller owns what a zip was extracted into, and can delete it once done with the images. */
    @Test
    void anImportedZipNamesItsExtractionFolderWhichCanBeDeleted() throws IOException {
        ImportResult result = importZip(TestImages.zip(temp.resolve("pets.zip"), pets), ImportLimits.defaults());
        assertThat(result.extractedTo()).isDirectory().hasParent(work.toRealPath());
        assertThat(result.dataset().records()).allSatisfy(r -> assertThat(r.file()).startsWith(result.extractedTo()));

        result.deleteExtraction();
        assertThat(result.extractedTo()).doesNotExist();
        assertNothingExtracted();

        ImportResult fromFolder = DatasetImporter.importFrom(TestImages.classFolders(temp.resolve("folder"),
                Map.of("cat", 1, "dog", 1), 5), work, ImportLimits.defaults());
        assertThat(fromFolder.extractedTo()).as("a folder is read where it lies").isNull();
        fromFolder.deleteExtraction();
        assertThat(temp.resolve("folder")).isDirectory();
    }

    @Test
    void importsAZipUnwrappingItsSingleTopFolderAndIgnoringMacClutter() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("pets/", new byte[0]);
        pets.forEach((name, content) -> entries.put("pets/" + name, content));
        entries.put("pets/.DS_Store", new byte[] {1, 2, 3});
        entries.put("__MACOSX/pets/cat/._c1.png", new byte[] {0, 5, 22, 7});
        Path zip = TestImages.zip(temp.resolve("pets.zip"), entries);

        ImportResult result = importZip(zip, ImportLimits.defaults());

        assertThat(result.dataset().classes()).containsExactly("cat", "dog");
        assertThat(result.dataset().records()).hasSize(4)
                .allSatisfy(r -> assertThat(r.file()).startsWith(work.toRealPath()).isRegularFile());
        assertThat(result.report().isClean()).as(result.report().lines().toString()).isTrue();
    }

    @Test
    void aZipHasTheSameContentHashAsTheFolderItWasMadeFrom() throws IOException {
        Path folder = temp.resolve("folder");
        for (Map.Entry<String, byte[]> e : pets.entrySet()) {
            Files.createDirectories(folder.resolve(e.getKey()).getParent());
            Files.write(folder.resolve(e.getKey()), e.getValue());
        }
        Path zip = TestImages.zip(temp.resolve("pets.zip"), pets);

        String fromZip = importZip(zip, ImportLimits.defaults()).dataset().contentHash();
        String fromFolder = DatasetImporter.importFrom(folder, work, ImportLimits.defaults()).dataset().contentHash();

        assertThat(fromZip).isEqualTo(fromFolder);
    }

    @Test
    void eachImportExtractsIntoAFreshFolder() {
        Path zip = TestImages.zip(temp.resolve("pets.zip"), pets);

        Path first = importZip(zip, ImportLimits.defaults()).dataset().records().get(0).file();
        Path second = importZip(zip, ImportLimits.defaults()).dataset().records().get(0).file();

        assertThat(second).isNotEqualTo(first);
        assertThat(first).isRegularFile();
    }

    @Test
    void aZipSlipEntryIsRejectedAndNothingIsWritten() throws IOException {
        Path zip = TestImages.zip(temp.resolve("evil.zip"), petsWith("../../escaped.png", pets.get("cat/c1.png")));

        assertThatThrownBy(() -> importZip(zip, ImportLimits.defaults()))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("evil.zip")
                .hasMessageContaining("'../../escaped.png'")
                .hasMessageContaining("leaves the extraction folder");
        assertThat(temp.resolve("escaped.png")).doesNotExist();
        assertThat(work.resolve("escaped.png")).doesNotExist();
        assertNothingExtracted();
    }

    @Test
    void aHiddenParentStepInsideThePathIsRejected() throws IOException {
        Path zip = TestImages.zip(temp.resolve("evil.zip"), petsWith("cat/../../x.png", pets.get("cat/c1.png")));

        assertThatThrownBy(() -> importZip(zip, ImportLimits.defaults()))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("'cat/../../x.png'");
        assertNothingExtracted();
    }

    @Test
    void anAbsolutePathEntryIsRejectedAndNothingIsWritten() throws IOException {
        Path absolute = temp.resolve("absolute-target.png");
        Path zip = TestImages.zip(temp.resolve("abs.zip"), petsWith(absolute.toString(), pets.get("cat/c1.png")));

        assertThatThrownBy(() -> importZip(zip, ImportLimits.defaults()))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(absolute.toString())
                .hasMessageContaining("relative paths");
        assertThat(absolute).doesNotExist();
        assertNothingExtracted();
    }

    @Test
    void aSymlinkEntryIsRejected() throws IOException {
        Path zip = temp.resolve("link.zip");
        try (OutputStream out = Files.newOutputStream(zip); ZipArchiveOutputStream archive = new ZipArchiveOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : pets.entrySet()) {
                archive.putArchiveEntry(new ZipArchiveEntry(e.getKey()));
                archive.write(e.getValue());
                archive.closeArchiveEntry();
            }
            ZipArchiveEntry link = new ZipArchiveEntry("cat/passwd.png");
            link.setUnixMode(UnixStat.LINK_FLAG | 0777);
            archive.putArchiveEntry(link);
            archive.write("/etc/passwd".getBytes(StandardCharsets.UTF_8));
            archive.closeArchiveEntry();
        }

        assertThatThrownBy(() -> importZip(zip, ImportLimits.defaults()))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("symbolic link 'cat/passwd.png'");
        assertNothingExtracted();
    }

    @Test
    void aHighlyCompressedEntryIsRejectedAsAZipBomb() throws IOException {
        byte[] zeros = new byte[4 << 20]; // 4 MiB of zeros deflates about 1000:1
        Path zip = TestImages.zip(temp.resolve("bomb.zip"), petsWith("dog/bomb.bmp", zeros));

        assertThatThrownBy(() -> importZip(zip, ImportLimits.defaults()))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("'dog/bomb.bmp'")
                .hasMessageContaining("expands more than 100 times")
                .hasMessageContaining("zip bomb");
        assertNothingExtracted();
    }

    @Test
    void theRatioLimitIsConfigurable() {
        byte[] zeros = new byte[4 << 20];
        Path zip = TestImages.zip(temp.resolve("zeros.zip"), petsWith("dog/zeros.bin", zeros));

        ImportResult result = importZip(zip, ImportLimits.defaults().withMaxCompressionRatio(100_000));

        // Extracted, then skipped as a non-image: the archive itself was acceptable under this limit.
        assertThat(result.report().skipped()).singleElement()
                .satisfies(s -> assertThat(s.file().getFileName()).hasToString("zeros.bin"));
    }

    @Test
    void anArchiveThatExpandsPastTheSizeLimitIsRejected() throws IOException {
        long total = pets.values().stream().mapToLong(b -> b.length).sum();
        Path zip = TestImages.zip(temp.resolve("big.zip"), pets);

        assertThatThrownBy(() -> importZip(zip, ImportLimits.defaults().withMaxUncompressedBytes(total - 1)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("big.zip")
                .hasMessageContaining("expands to more than " + (total - 1) + " bytes");
        assertNothingExtracted();
    }

    @Test
    void declaredSizesAreNotTrusted() throws IOException {
        byte[] noise = bytes(image(temp.resolve("n.bmp"), "bmp", 77));
        Path zip = TestImages.zip(temp.resolve("liar.zip"), petsWith("dog/liar.bmp", noise));
        declareUncompressedSize(zip, "dog/liar.bmp", 10);
        long total = pets.values().stream().mapToLong(b -> b.length).sum() + noise.length;

        assertThatThrownBy(() -> importZip(zip, ImportLimits.defaults().withMaxUncompressedBytes(total - 100)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("expands to more than");
        assertNothingExtracted();
    }

    @Test
    void tooManyEntriesAreRejected() throws IOException {
        Path zip = TestImages.zip(temp.resolve("many.zip"), pets);

        assertThatThrownBy(() -> importZip(zip, ImportLimits.defaults().withMaxEntries(3)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("many.zip")
                .hasMessageContaining("more than 3 entries");
        assertNothingExtracted();
    }

    @Test
    void aFileNamedZipThatIsNotAZipIsRejected() throws IOException {
        Path fake = Files.writeString(temp.resolve("photos.zip"), "this is a text file, not an archive");

        assertThatThrownBy(() -> importZip(fake, ImportLimits.defaults()))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("photos.zip")
                .hasMessageContaining("is not a zip archive");
        assertNothingExtracted();
    }

    @Test
    void aTruncatedZipIsRejected() throws IOException {
        byte[] whole = Files.readAllBytes(TestImages.zip(temp.resolve("whole.zip"), pets));
        Path truncated = Files.write(temp.resolve("truncated.zip"), java.util.Arrays.copyOf(whole, whole.length / 2));

        assertThatThrownBy(() -> importZip(truncated, ImportLimits.defaults()))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("truncated.zip");
        assertNothingExtracted();
    }

    @Test
    void aZipWithOneClassIsRejectedAfterExtractionAndCleanedUp() throws IOException {
        Map<String, byte[]> cats = new LinkedHashMap<>();
        cats.put("cat/c1.png", pets.get("cat/c1.png"));
        cats.put("cat/c2.jpg", pets.get("cat/sub/c2.jpg"));
        Path zip = TestImages.zip(temp.resolve("cats.zip"), cats);

        assertThatThrownBy(() -> importZip(zip, ImportLimits.defaults()))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("dataset " + zip + " has only one class ('cat')")
                .hasMessageNotContaining(work.toString());   // the extraction folder is gone: name the zip
        assertNothingExtracted();
    }

    /** Warnings and errors name files as entries of the zip (under the name the caller gives it), never the extraction. */
    @Test
    void warningsAndErrorsNameTheZipsEntriesNotTheExtractionFolder() throws IOException {
        Path zip = TestImages.zip(temp.resolve("upload-123.zip"), petsWith("dog/notes.txt", "hello".getBytes()));

        ImportResult result = DatasetImporter.importFrom(zip, "pets.zip", work, ImportLimits.defaults(),
                ImportProgress.NONE);

        assertThat(result.report().lines()).containsExactly(
                "skipped pets.zip/dog/notes.txt: not a JPEG, PNG, BMP, GIF or WebP image");
        result.deleteExtraction();

        Path empty = TestImages.zip(temp.resolve("empty.zip"), Map.of());
        assertThatThrownBy(() -> DatasetImporter.importFrom(empty, "mine.zip", work, ImportLimits.defaults(),
                ImportProgress.NONE))
                .isInstanceOf(DatasetException.class)
                .hasMessageStartingWith("dataset mine.zip has no usable images; expected one subfolder per class");
        assertNothingExtracted();
    }

    /** Rewrites the uncompressed size of {@code name} in both its local header and the central directory. */
    private static void declareUncompressedSize(Path zip, String name, int size) throws IOException {
        byte[] data = Files.readAllBytes(zip);
        ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int patched = 0;
        for (int i = 0; i + 46 < data.length; i++) {
            int signature = buffer.getInt(i);
            int nameOffset = signature == 0x04034b50 ? 30 : signature == 0x02014b50 ? 46 : -1;
            int sizeOffset = signature == 0x04034b50 ? 22 : 24;
            if (nameOffset > 0 && java.util.Arrays.equals(data, i + nameOffset, i + nameOffset + nameBytes.length,
                    nameBytes, 0, nameBytes.length)) {
                buffer.putInt(i + sizeOffset, size);
                patched++;
            }
        }
        assertThat(patched).as("headers patched").isGreaterThanOrEqualTo(1);
        Files.write(zip, data);
    }
}
