package dev.templatelab.training.transfer.imports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** The two file formats a PyTorch state dict can come in. */
public enum WeightsFormat {
    SAFETENSORS, NPZ;

    /** The format named on the command line, or guessed from the extension when {@code name} is null. */
    public static WeightsFormat of(String name, Path file) {
        if (name != null) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown weights format '" + name + "'; use safetensors or npz");
            }
        }
        String f = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (f.endsWith(".safetensors")) {
            return SAFETENSORS;
        }
        if (f.endsWith(".npz")) {
            return NPZ;
        }
        throw new IllegalArgumentException("cannot tell the format of " + file + " from its name; pass --format "
                + "safetensors or --format npz");
    }

    /** Every tensor of {@code file}. */
    public Map<String, SourceTensor> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new WeightsFileException("no weights file at " + file);
        }
        return this == SAFETENSORS ? SafetensorsReader.read(file) : NpzReader.read(file);
    }
}
