package dev.templatelab.tuning.testing;

import dev.templatelab.training.data.SampleDatasets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A small class-folder dataset cut from the bundled digits, and the hyperparameters that train on it in seconds. */
public final class TinyDigits {

    /** Fixed settings for tiny trials: 32 px, width 0.125, batch 16. */
    public static final List<String> TINY = List.of("image_size=32", "width_multiplier=0.125", "batch_size=16",
            "validation_fraction=0.3");

    private TinyDigits() {
    }

    /** {@link #TINY} as a search space (name to fixed value) in the JSON shape the launcher takes; callers add to it. */
    public static Map<String, Object> space() {
        Map<String, Object> space = new LinkedHashMap<>();
        for (String s : TINY) {
            String[] kv = s.split("=");
            space.put(kv[0], kv[1].contains(".") ? (Object) Double.valueOf(kv[1]) : Integer.valueOf(kv[1]));
        }
        return space;
    }

    /** The first {@code perClass} images of each of {@code classes} digits, under {@code dir}/tiny. */
    public static Path create(Path dir, int classes, int perClass) throws IOException {
        Path all = dir.resolve("all-digits");
        SampleDatasets.mnist(all);
        Path tiny = dir.resolve("tiny");
        for (int c = 0; c < classes; c++) {
            Path from = all.resolve(String.valueOf(c));
            Path to = Files.createDirectories(tiny.resolve(String.valueOf(c)));
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : files.sorted().limit(perClass).toList()) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
        return tiny;
    }
}
