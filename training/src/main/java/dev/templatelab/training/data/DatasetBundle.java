package dev.templatelab.training.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A dataset packed into one zip, so that a machine without its folder trains on exactly the same data: the same
 * records under the same relative names, labels and bytes, hence the same order, split and content hash.
 *
 * <p>Only the usable images go in (what the import skipped or dropped as a duplicate was never trained on). A dataset
 * whose every image sits under the folder named after its one label keeps that class-folder layout; any other (a
 * multi-label or manifest-named dataset) also carries a manifest, {@value #MANIFEST}, at the top. {@link #unpack}
 * imports the result again and refuses it unless the content hash is the one expected.
 */
public final class DatasetBundle {

    /** The manifest of a bundle that is not in class-folder layout. */
    public static final String MANIFEST = "templatelab-manifest.csv";
    /** 2000-01-01T00:00:00Z: any time zip's DOS date field holds exactly. */
    private static final long FIXED_TIME = 946_684_800_000L;

    private DatasetBundle() {
    }

    /** Writes {@code imported}'s usable images (and a manifest where needed) as a zip to {@code out}, closing it. */
    public static void write(ImportResult imported, OutputStream out) throws IOException {
        ImageDataset dataset = imported.dataset();
        boolean classFolders = dataset.records().stream().allMatch(r -> inOwnClassFolder(imported.root(), r));
        StringBuilder manifest = new StringBuilder();
        try (ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8)) {
            // Images are compressed already: deflating them again costs time and saves next to nothing.
            zip.setLevel(Deflater.NO_COMPRESSION);
            for (ImageRecord record : dataset.records()) {
                String name = DatasetImporter.relativeName(imported.root(), record.file());
                if (name.equals(MANIFEST)) {
                    throw new DatasetException("dataset image " + record.file() + " has the name of a bundle's manifest ("
                            + MANIFEST + "); rename it");
                }
                zip.putNextEntry(entry(name));
                Files.copy(record.file(), zip);
                zip.closeEntry();
                manifest.append(csvField(name)).append(',').append(csvField(String.join(";", record.labels())))
                        .append('\n');
            }
            if (!classFolders) {
                zip.putNextEntry(entry(MANIFEST));
                zip.write(manifest.toString().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
    }

    /**
     * Extracts a bundle into a new subfolder of {@code workDir}, imports it and returns that subfolder; fails (leaving
     * nothing behind) unless the images' content hash is {@code expectedContentHash} (when one is given). The bundle is trusted to be
     * ours (its SHA-256 was checked against the database), so only the per-image pixel limit of an import applies.
     */
    public static Path unpack(Path bundle, Path workDir, String expectedContentHash) {
        ImportLimits limits = ImportLimits.defaults().withMaxUncompressedBytes(Long.MAX_VALUE).withMaxEntries(Integer.MAX_VALUE);
        Path folder = SafeZipExtractor.extract(bundle, workDir, limits, ImportProgress.NONE);
        try {
            // The hash is checked, so headers are enough: the same bytes decoded when the dataset was registered.
            String hash = DatasetImporter.importFrom(source(folder), null,
                    expectedContentHash != null ? limits.headersOnly() : limits).dataset().contentHash();
            if (expectedContentHash != null && !hash.equals(expectedContentHash)) {
                throw new DatasetException("the dataset bundle " + bundle + " holds other images than its dataset (content hash "
                        + hash + ", expected " + expectedContentHash + ")");
            }
            ExtractionFolders.keep(folder);   // the caller moves it into place at once
            return folder;
        } catch (RuntimeException | Error e) {
            ExtractionFolders.delete(folder);
            throw e;
        }
    }

    /**
     * An entry stamped with a fixed time, so packing the same dataset twice gives the same bytes (and SHA-256): two
     * launches packing it at once then write the same file.
     */
    private static ZipEntry entry(String name) {
        ZipEntry entry = new ZipEntry(name);
        entry.setTime(FIXED_TIME);
        return entry;
    }

    /** What to import from an unpacked bundle's folder: its manifest if it has one, else the folder itself. */
    public static Path source(Path unpacked) {
        Path manifest = unpacked.resolve(MANIFEST);
        return Files.isRegularFile(manifest) ? manifest : unpacked;
    }

    /** Whether a folder import of the bundle gives this record back: one label, its top folder, no ignored name. */
    private static boolean inOwnClassFolder(Path root, ImageRecord record) {
        Path relative = root.relativize(record.file());
        return record.labels().size() == 1 && relative.getNameCount() > 1
                && relative.getName(0).toString().equals(record.labels().get(0))
                && !DatasetImporter.isIgnored(relative);
    }

    private static String csvField(String value) {
        return '"' + value.replace("\"", "\"\"") + '"';
    }
}
