package dev.templatelab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The labelled dataset a command trains on: {@code --data PATH}, shared by {@code train} and {@code tune}. */
final class DatasetOption {

    @Option(names = "--data", required = true,
            description = "Folder with one subfolder per class, a zip of it, or a CSV manifest.")
    Path data;

    /** The path, checked before any slow start (training, the database) so a typo fails at once. */
    Path existing() {
        if (!Files.exists(data)) {
            throw new IllegalArgumentException("dataset path " + data + " does not exist; check --data");
        }
        return data;
    }
}
