package dev.templatelab.testdata;

import dev.templatelab.training.data.SampleDatasets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Small class-folder datasets cut from the bundled digits, for tests that train real (tiny) networks. */
public final class TinyDigits {

    private TinyDigits() {
    }

    /** The first {@code perClass} images of digits 0..classes-1, as {@code dir/tiny/<digit>/...}. */
    public static Path write(Path dir, int classes, int perClass) throws IOException {
        Path all = dir.resolve("all");
        SampleDatasets.mnist(all);
        Path tiny = dir.resolve("tiny");
        for (int c = 0; c < classes; c++) {
            Path to = Files.createDirectories(tiny.resolve(String.valueOf(c)));
            try (Stream<Path> files = Files.list(all.resolve(String.valueOf(c)))) {
                for (Path f : files.sorted().limit(perClass).toList()) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
        return tiny;
    }

    /** {@code folder}'s files zipped into {@code zip}, with paths relative to it (class folders at the top). */
    public static Path zip(Path folder, Path zip) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip));
             Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new ZipEntry(folder.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return zip;
    }
}
