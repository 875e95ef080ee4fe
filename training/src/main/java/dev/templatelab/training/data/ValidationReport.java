package dev.templatelab.training.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an import left out or found worth a look; nothing here stopped the import.
 *
 * @param skipped      files that are not usable images, each with the reason
 * @param duplicates   files whose content equals an earlier file's; the earlier one was kept
 * @param smallClasses classes with fewer images than {@link ImportLimits#minImagesPerClass()}
 */
public record ValidationReport(List<SkippedFile> skipped, List<DuplicateFile> duplicates, List<SmallClass> smallClasses) {

    public ValidationReport {
        skipped = List.copyOf(skipped);
        duplicates = List.copyOf(duplicates);
        smallClasses = List.copyOf(smallClasses);
    }

    /** A file left out of the dataset and why. */
    public record SkippedFile(Path file, String reason) {
    }

    /** A file left out because {@code kept} has the same bytes (same SHA-256). */
    public record DuplicateFile(Path duplicate, Path kept, String sha256) {
    }

    /** A class with fewer images than the minimum: training may work, but its metrics will be noise. */
    public record SmallClass(String name, int images, int minimum) {
    }

    /** This report with the files under {@code folder} named as under {@code shownAs} instead (e.g. inside a zip). */
    public ValidationReport namedInside(Path folder, Path shownAs) {
        java.util.function.UnaryOperator<Path> shown = p -> p.startsWith(folder) ? shownAs.resolve(folder.relativize(p)) : p;
        return new ValidationReport(
                skipped.stream().map(s -> new SkippedFile(shown.apply(s.file()), s.reason())).toList(),
                duplicates.stream().map(d -> new DuplicateFile(shown.apply(d.duplicate()), shown.apply(d.kept()),
                        d.sha256())).toList(),
                smallClasses);
    }

    /** True when nothing was skipped, duplicated or too small. */
    public boolean isClean() {
        return skipped.isEmpty() && duplicates.isEmpty() && smallClasses.isEmpty();
    }

    /** One human-readable line per finding, for logs and the UI. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (SkippedFile s : skipped) {
            lines.add("skipped " + s.file() + ": " + s.reason());
        }
        for (DuplicateFile d : duplicates) {
            lines.add("duplicate " + d.duplicate() + " has the same content as " + d.kept() + ", which was kept");
        }
        for (SmallClass c : smallClasses) {
            lines.add(c.images() == 0
                    ? "class '" + c.name() + "' has no usable images and was left out"
                    : "class '" + c.name() + "' has only " + c.images() + " image(s); at least " + c.minimum()
                    + " are recommended");
        }
        return lines;
    }
}
