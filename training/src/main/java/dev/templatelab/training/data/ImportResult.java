package dev.templatelab.training.data;

import java.nio.file.Path;

/**
 * An imported dataset, the findings about what was left out of it, and the folder its records' relative names (which
 * its content hash covers) are taken from: the class folders' parent, or a manifest's folder.
 */
public record ImportResult(ImageDataset dataset, ValidationReport report, Path root) {
}
