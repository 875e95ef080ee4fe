package dev.templatelab.training.checkpoint;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A checkpoint is one file: DL4J's model zip (configuration, parameters, updater state) plus a
 * {@value #METADATA_ENTRY} entry with the provenance. It is written atomically (temporary file in the
 * same folder, fsync, rename), and its SHA-256 is returned and kept next to it in {@code <file>.sha256}
 * (a file cannot contain its own hash). Reading verifies that hash when the sidecar exists.
 */
public final class Checkpoints {

    public static final String METADATA_ENTRY = "templatelab.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Checkpoints() {
    }

    /** A loaded checkpoint. */
    public record Loaded(ComputationGraph network, CheckpointMetadata metadata, String sha256) {
    }

    /** Writes {@code net} (with updater state, for resuming) and its metadata; returns the file's SHA-256. */
    public static String write(Path file, ComputationGraph net, CheckpointMetadata metadata) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path model = Files.createTempFile(dir, "." + file.getFileName() + ".", ".dl4j.tmp");
        Path assembled = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            ModelSerializer.writeModel(net, model.toFile(), true);
            try (OutputStream raw = Files.newOutputStream(assembled);
                 ZipOutputStream zip = new ZipOutputStream(raw);
                 ZipFile dl4j = new ZipFile(model.toFile())) {
                zip.putNextEntry(new ZipEntry(METADATA_ENTRY));
                zip.write(JSON.writeValueAsBytes(metadata));
                zip.closeEntry();
                for (var entries = dl4j.entries(); entries.hasMoreElements(); ) {
                    ZipEntry entry = entries.nextElement();
                    zip.putNextEntry(new ZipEntry(entry.getName()));
                    try (InputStream in = dl4j.getInputStream(entry)) {
                        in.transferTo(zip);
                    }
                    zip.closeEntry();
                }
            }
            fsync(assembled);
            String sha = sha256(assembled);
            Files.move(assembled, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            writeAtomically(sidecar(file), sha + "  " + file.getFileName() + "\n");
            return sha;
        } finally {
            Files.deleteIfExists(model);
            Files.deleteIfExists(assembled);
        }
    }

    /** Loads network and metadata; {@code withUpdater} also restores optimiser state (to resume training). */
    public static Loaded read(Path file, boolean withUpdater) throws IOException {
        String sha = verify(file);
        CheckpointMetadata metadata = readMetadata(file);
        ComputationGraph net = ModelSerializer.restoreComputationGraph(file.toFile(), withUpdater);
        Nd4jRuntime.prepare(net);
        return new Loaded(net, metadata, sha);
    }

    /** The provenance only, without loading the network. */
    public static CheckpointMetadata readMetadata(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("no checkpoint at " + file);
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry entry = zip.getEntry(METADATA_ENTRY);
            if (entry == null) {
                throw new CheckpointException(file + " is not a TemplateLab checkpoint (no " + METADATA_ENTRY + " inside)");
            }
            try (InputStream in = zip.getInputStream(entry)) {
                CheckpointMetadata m = JSON.readValue(in, CheckpointMetadata.class);
                if (!CheckpointMetadata.READABLE_FORMATS.contains(m.format())) {
                    throw new CheckpointException(file + " has checkpoint format '" + m.format() + "'; this build reads "
                            + String.join(" and ", CheckpointMetadata.READABLE_FORMATS)
                            + " (a newer TemplateLab wrote it? read it with that version)");
                }
                return m;
            }
        } catch (java.util.zip.ZipException e) {
            throw new CheckpointException(file + " is not a checkpoint (not a zip file): " + e.getMessage());
        }
    }

    /** Checks the file against its {@code .sha256} sidecar (when present) and returns the file's SHA-256. */
    public static String verify(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("no checkpoint at " + file);
        }
        String actual = sha256(file);
        Path side = sidecar(file);
        if (Files.exists(side)) {
            String expected = Files.readString(side, StandardCharsets.UTF_8).trim().split("\\s+")[0];
            if (!expected.equalsIgnoreCase(actual)) {
                throw new CheckpointException(file + " is corrupt: SHA-256 " + actual + " does not match " + expected
                        + " recorded in " + side.getFileName());
            }
        }
        return actual;
    }

    public static Path sidecar(Path file) {
        return file.resolveSibling(file.getFileName() + ".sha256");
    }

    public static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String toJson(CheckpointMetadata metadata) throws IOException {
        return JSON.writeValueAsString(metadata);
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            fsync(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }
}
