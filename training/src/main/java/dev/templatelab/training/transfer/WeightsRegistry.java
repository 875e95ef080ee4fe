package dev.templatelab.training.transfer;

import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The local registry of pretrained backbones: {@code <weights dir>/<template>/<name>.tlckpt} (plus its
 * SHA-256 sidecar). {@code pretrained_weights=<name>} picks one; nothing is ever downloaded.
 */
public final class WeightsRegistry {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    public static final String EXTENSION = ".tlckpt";
    /** The {@code pretrained_weights} value (any case) that means none. */
    private static final String NO_WEIGHTS = "None";

    private final Path root;

    public WeightsRegistry(Path root) {
        this.root = root;
    }

    /** One registered set of weights. */
    public record Entry(String template, String name, Path file, String sha256, List<String> sourceLabels) {
    }

    /** Checks a weights name before any work is done under it. */
    public static void requireValidName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("weights name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        if (name.equalsIgnoreCase(NO_WEIGHTS)) {
            // pretrained_weights=None means "no pretrained weights": weights registered under it could never be used.
            throw new IllegalArgumentException("weights name '" + name + "' is reserved: pretrained_weights=" + NO_WEIGHTS
                    + " means no pretrained weights; choose another name");
        }
    }

    /** What {@link #register} does when the name is already registered for the template. */
    public enum IfRegistered {
        /** Refuse with {@link AlreadyRegisteredException}: other experiments may have been launched with those weights. */
        REFUSE,
        /** Replace the registered file (the user asked for it). */
        REPLACE
    }

    /** A name that is already taken, refused rather than silently overwritten. */
    public static final class AlreadyRegisteredException extends IllegalArgumentException {
        AlreadyRegisteredException(String template, String name, Path file) {
            super("pretrained weights '" + name + "' are already registered for " + template + " (" + file
                    + "); choose another name, or replace them on purpose (--replace)");
        }
    }

    /** Checks before any work is done that {@code name} is a valid name and, unless replacing, a free one. */
    public void requireRegistrable(String template, String name, IfRegistered ifRegistered) {
        requireValidName(name);
        Path file = fileOf(template, name);
        if (ifRegistered == IfRegistered.REFUSE && Files.exists(file)) {
            throw new AlreadyRegisteredException(template, name, file);
        }
    }

    /** Registers a checkpoint of {@code template} under a new {@code name} (copied atomically). */
    public Entry register(String template, String name, Path checkpoint) throws IOException {
        return register(template, name, checkpoint, IfRegistered.REFUSE);
    }

    /** Registers a checkpoint of {@code template} under {@code name}, copied atomically. */
    public Entry register(String template, String name, Path checkpoint, IfRegistered ifRegistered) throws IOException {
        requireRegistrable(template, name, ifRegistered);
        CheckpointMetadata meta = Checkpoints.readMetadata(checkpoint);
        if (!meta.template().equals(template)) {
            throw new IllegalArgumentException(checkpoint + " holds template " + meta.template() + ", not " + template);
        }
        String sha = Checkpoints.verify(checkpoint);
        Path target = fileOf(template, name);
        Path dir = Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
        try {
            Files.copy(checkpoint, tmp, StandardCopyOption.REPLACE_EXISTING);
            if (ifRegistered == IfRegistered.REPLACE) {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                try {
                    Files.move(tmp, target);   // a rename in one folder, refused if the name was taken meanwhile
                } catch (FileAlreadyExistsException taken) {
                    throw new AlreadyRegisteredException(template, name, target);
                }
            }
            Files.writeString(Checkpoints.sidecar(target), sha + "  " + target.getFileName() + "\n");
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Entry(template, name, target, sha, meta.labels());
    }

    /** The weights registered as {@code name} for {@code template}, or an error listing what is there. */
    public Entry resolve(String template, String name) throws IOException {
        Path file = requireRegistered(template, name);
        return new Entry(template, name, file, Checkpoints.verify(file), Checkpoints.readMetadata(file).labels());
    }

    /** The file of weights registered under this name, without reading it; refused naming those registered. */
    public Path requireRegistered(String template, String name) throws IOException {
        Path file = fileOf(template, name);
        if (!Files.isRegularFile(file)) {
            List<String> known = names(template);
            throw new IllegalArgumentException("no pretrained weights '" + name + "' for " + template
                    + (known.isEmpty() ? "; none are registered (use 'templatelab pretrain' or 'templatelab weights import')"
                    : "; registered: " + String.join(", ", known)));
        }
        return file;
    }

    private Path fileOf(String template, String name) {
        return root.resolve(template).resolve(name + EXTENSION);
    }

    /** Names registered for {@code template}, sorted, without opening the files (cheap enough for a form). */
    public List<String> names(String template) throws IOException {
        Path dir = root.resolve(template);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(EXTENSION))
                    .map(n -> n.substring(0, n.length() - EXTENSION.length())).sorted().toList();
        }
    }

    /** Registered weights of one template, sorted by name. */
    public List<Entry> list(String template) throws IOException {
        Path dir = root.resolve(template);
        List<Entry> entries = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return entries;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(EXTENSION)).sorted().toList()) {
                String name = f.getFileName().toString();
                name = name.substring(0, name.length() - EXTENSION.length());
                Optional<String> recorded = Checkpoints.recordedSha256(f);   // hashing every file would be slow
                String sha = recorded.isPresent() ? recorded.get() : Checkpoints.sha256(f);
                entries.add(new Entry(template, name, f, sha, Checkpoints.readMetadata(f).labels()));
            }
        }
        return entries;
    }
}
