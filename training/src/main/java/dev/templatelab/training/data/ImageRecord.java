package dev.templatelab.training.data;

import java.nio.file.Path;
import java.util.List;

/**
 * One image of a dataset and its labels (one label for single-label data, any number for multi-label).
 *
 * @param file   absolute path of the image file
 * @param labels class names, each one of the dataset's {@link ImageDataset#classes()}
 */
public record ImageRecord(Path file, List<String> labels) {

    public ImageRecord {
        labels = List.copyOf(labels);
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("image " + file + " has no label");
        }
    }

    /** The label of a single-label record. */
    public String label() {
        return labels.get(0);
    }
}
