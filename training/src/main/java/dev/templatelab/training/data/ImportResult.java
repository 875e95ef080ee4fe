package dev.templatelab.training.data;

import java.nio.file.Path;

/**
 * An imported dataset, the findings about what was left out of it, and the folder its records' relative names (which
 * its content hash covers) are taken from: the class folders' parent, or a manifest's folder. {@code extractedTo} is
 * the fresh folder a zip was extracted into (null for a folder or a manifest): the importer's caller owns it, and
 * either deletes it with {@link #deleteExtraction()} once done with the images, or keeps it as the dataset's home with
 * {@link #keepExtraction()}. Until then this process holds it, so {@link ExtractionFolders#sweepAbandoned} leaves it be.
 */
public record ImportResult(ImageDataset dataset, ValidationReport report, Path root, Path extractedTo) {

    /** A dataset read where it lies: nothing was extracted. */
    public ImportResult(ImageDataset dataset, ValidationReport report, Path root) {
        this(dataset, report, root, null);
    }

    /** Deletes the folder a zip was extracted into (its images are gone after this); nothing for other sources. */
    public void deleteExtraction() {
        if (extractedTo != null) {
            ExtractionFolders.delete(extractedTo);
        }
    }

    /** Keeps the folder a zip was extracted into as the dataset's home (outside any folder that is swept). */
    public void keepExtraction() {
        if (extractedTo != null) {
            ExtractionFolders.keep(extractedTo);
        }
    }
}
