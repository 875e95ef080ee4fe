package dev.templatelab.training.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * How many images carry each label, in class order (a multi-label image counts once for each of its labels);
     * a declared class with no usable image is absent.
     */
    public Map<String, Integer> imagesPerClass() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String c : classes) {
            counts.put(c, 0);
        }
        for (ImageRecord record : records) {
            record.labels().forEach(label -> counts.merge(label, 1, Integer::sum));
        }
        counts.values().removeIf(n -> n == 0);
        return counts;
    }
}
