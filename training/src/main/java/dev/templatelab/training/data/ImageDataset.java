package dev.templatelab.training.data;

import java.util.List;

/**
 * A validated, imported dataset: what training reads.
 *
 * @param classes     class names in a fixed order (the model's output order), sorted
 * @param records     every usable image, in a deterministic order (sorted by file path)
 * @param multiLabel  whether images may carry several labels (CSV manifest with {@code a;b})
 * @param contentHash SHA-256 (hex) over the sorted (relative path, labels, file SHA-256) triples; goes into provenance
 */
public record ImageDataset(List<String> classes, List<ImageRecord> records, boolean multiLabel, String contentHash) {

    public ImageDataset {
        classes = List.copyOf(classes);
        records = List.copyOf(records);
    }

    public int classIndex(String label) {
        int i = classes.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("unknown class '" + label + "'; classes: " + classes);
        }
        return i;
    }
}
