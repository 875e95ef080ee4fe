package dev.templatelab.storage.datasets;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A dataset to register: its class names in label order, how many images it has (overall and per
 * class; in a multi-label set the per-class counts may add up to more), a content hash to recognise
 * a re-import (may be null), where the images are, and the import's warnings (at most {@link #MAX_WARNINGS} kept).
 */
public record NewDataset(String name, List<String> classes, int imageCount, Map<String, Integer> classCounts,
                         String contentHash, URI storageUri, List<String> warnings) {

    /** Warnings kept with a dataset; a folder of 50,000 stray files should not make a 5 MB row. */
    public static final int MAX_WARNINGS = 200;

    /** A dataset without import warnings. */
    public NewDataset(String name, List<String> classes, int imageCount, Map<String, Integer> classCounts,
                      String contentHash, URI storageUri) {
        this(name, classes, imageCount, classCounts, contentHash, storageUri, List.of());
    }

    /** Checks what the database would otherwise reject with a less helpful message. */
    public NewDataset {
        Objects.requireNonNull(storageUri, "storageUri");
        checkName(name);
        if (classes == null || classes.isEmpty()) {
            throw new IllegalArgumentException("dataset " + name + " needs at least one class");
        }
        if (imageCount < 0) {
            throw new IllegalArgumentException("dataset " + name + ": image count " + imageCount + " < 0");
        }
        classCounts = classCounts == null ? Map.of() : classCounts;
        for (String c : classCounts.keySet()) {
            if (!classes.contains(c)) {
                throw new IllegalArgumentException("dataset " + name + ": count given for unknown class " + c);
            }
        }
        if (contentHash != null && contentHash.length() > 64) {
            throw new IllegalArgumentException("dataset " + name + ": content hash longer than 64 characters");
        }
        warnings = warnings == null ? List.of() : warnings.size() <= MAX_WARNINGS ? List.copyOf(warnings)
                : java.util.stream.Stream.concat(warnings.stream().limit(MAX_WARNINGS - 1),
                        java.util.stream.Stream.of("... and " + (warnings.size() - MAX_WARNINGS + 1) + " more")).toList();
    }

    /**
     * Throws IllegalArgumentException unless {@code name} is a valid dataset name: 1-200 characters, not blank, no
     * control characters (a tab or line break would end up in listings and logs). For a caller that checks a name
     * before the work of an import.
     */
    public static void checkName(String name) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new IllegalArgumentException("dataset name must be 1-200 characters, got: " + name);
        }
        name.codePoints().filter(Character::isISOControl).findFirst().ifPresent(c -> {
            throw new IllegalArgumentException(String.format("the dataset name may not contain control characters "
                    + "(tabs, line breaks...); it has U+%04X", c));
        });
    }
}
