package dev.templatelab.storage.artifacts;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An {@link ArtifactStore} in a local or shared (NFS, SMB) directory. A write goes to a hidden temp
 * file beside the target, is fsync'ed, then renamed over it, so readers never see half a file; URIs
 * are {@code file:} URIs, and only keys and URIs inside the root are accepted.
 */
public final class LocalArtifactStore implements ArtifactStore {

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");
    private static final int MAX_KEY_LENGTH = 500;

    private final Path root;

    /** A store rooted at {@code root} (created on first write). */
    public LocalArtifactStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The root directory. */
    public Path root() {
        return root;
    }

    /**
     * Creates the root if needed and writes and deletes a probe file in it: a folder this process cannot write stops it
     * at start, instead of failing every trial it takes. Throws {@link UnusableArtifactStoreException} saying why.
     */
    public void checkWritable() {
        try {
            Files.createDirectories(root);
            Files.delete(Files.createTempFile(root, ".probe-", ".part"));
        } catch (IOException | SecurityException e) {
            throw new UnusableArtifactStoreException("the artifact store folder " + root + " cannot be written ("
                    + reason(e) + "); give --artifacts / TEMPLATELAB_ARTIFACTS_ROOT a folder this user can write", e);
        }
    }

    /** Java's messages name only the file for these. */
    private static String reason(Exception e) {
        if (e instanceof AccessDeniedException denied) {
            return "permission denied: " + denied.getFile();
        }
        if (e instanceof FileAlreadyExistsException exists) {
            return exists.getFile() + " exists and is not a folder";
        }
        return e.getMessage();
    }

    @Override
    public StoredArtifact write(String key, Writer writer) throws IOException {
        Path target = resolveKey(key);
        Files.createDirectories(target.getParent());
        // Hidden name: keys cannot start with a dot, so a temp file never collides with an artifact.
        Path temp = Files.createTempFile(target.getParent(), ".", ".part");
        try {
            MessageDigest sha256 = sha256();
            long size;
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                 OutputStream out = new DigestOutputStream(Channels.newOutputStream(channel), sha256)) {
                writer.writeTo(new KeepOpen(out));
                out.flush();
                size = channel.size();
                channel.force(true);   // the bytes are on disk before the name points at them
            }
            makeReadableByOthers(temp);
            move(temp, target);
            return new StoredArtifact(target.toUri(), size, HexFormat.of().formatHex(sha256.digest()));
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The writer's stream: closing it (as a zip writer does when it finishes) must not close the file before fsync. */
    private static final class KeepOpen extends FilterOutputStream {

        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);   // FilterOutputStream would write byte by byte
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    @Override
    public URI uri(String key) {
        return resolveKey(key).toUri();
    }

    @Override
    public InputStream open(URI uri, String expectedSha256) throws IOException {
        Path file = resolveUri(uri);
        if (expectedSha256 == null || !expectedSha256.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("expected SHA-256 must be 64 hex digits, got: " + expectedSha256);
        }
        String actual = hash(file);
        if (!actual.equalsIgnoreCase(expectedSha256)) {
            throw new ArtifactIntegrityException("artifact " + uri + " is corrupt or was replaced: expected SHA-256 "
                    + expectedSha256.toLowerCase() + " but the file has " + actual);
        }
        return Files.newInputStream(file);
    }

    @Override
    public boolean delete(URI uri) throws IOException {
        return Files.deleteIfExists(resolveUri(uri));
    }

    @Override
    public int deleteAll(String keyPrefix) throws IOException {
        Path folder = resolveKey(keyPrefix);
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        int files = 0;
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    files++;
                }
                Files.deleteIfExists(p);
            }
        }
        return files;
    }

    @Override
    public boolean exists(URI uri) {
        return Files.isRegularFile(resolveUri(uri));
    }

    /** The file for a key; rejects keys that are malformed or would leave the root. */
    Path resolveKey(String key) {
        if (key == null || key.length() > MAX_KEY_LENGTH || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("artifact key must be '/'-separated segments of letters, digits, "
                    + "'.', '_', '-' (no leading dot, at most " + MAX_KEY_LENGTH + " characters), got: " + key);
        }
        return insideRoot(root.resolve(key).normalize(), key);
    }

    private Path resolveUri(URI uri) {
        if (uri == null || !"file".equals(uri.getScheme())) {
            throw new IllegalArgumentException("not a file: URI of this artifact store: " + uri);
        }
        return insideRoot(Path.of(uri).toAbsolutePath().normalize(), uri);
    }

    private Path insideRoot(Path path, Object asked) {
        if (!path.startsWith(root) || path.equals(root)) {
            throw new ArtifactOutsideStoreException(asked, root, "is outside the store root");
        }
        // A symlink inside the root must not lead out of it either.
        try {
            if (Files.exists(path) && Files.exists(root) && !path.toRealPath().startsWith(root.toRealPath())) {
                throw new ArtifactOutsideStoreException(asked, root, "links outside the store root");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot resolve artifact " + asked + ": " + e.getMessage(), e);
        }
        return path;
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new FileSystemException(target.toString(), null,
                    "the artifact directory does not support atomic renames; use a local or NFS directory");
        }
    }

    /** Temp files are created owner-only; workers running as other users share the directory. */
    private static void makeReadableByOthers(Path file) throws IOException {
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    private static String hash(Path file) throws IOException {
        MessageDigest sha256 = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha256.update(buffer, 0, n);
            }
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "artifact file is missing");
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }
}
