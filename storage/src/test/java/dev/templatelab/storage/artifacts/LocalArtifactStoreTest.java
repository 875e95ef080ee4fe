package dev.templatelab.storage.artifacts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalArtifactStoreTest {

    @TempDir
    Path root;

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void putReturnsUriSizeAndSha256AndOpenGivesTheBytesBack() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(root);

        StoredArtifact stored = store.put(bytes("hello checkpoint"), "experiments/1/trials/2/epoch-0003.ckpt");

        assertThat(stored.uri()).isEqualTo(root.resolve("experiments/1/trials/2/epoch-0003.ckpt").toUri());
        assertThat(stored.sizeBytes()).isEqualTo(16);
        assertThat(stored.sha256()).isEqualTo(sha256Of("hello checkpoint"));
        try (InputStream in = store.open(stored)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello checkpoint");
        }
        assertThat(store.exists(stored.uri())).isTrue();
    }

    @Test
    void uriNamesWhereAKeyIsStoredBeforeAndAfterThePut() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(root);
        java.net.URI before = store.uri("weights/T/name-0123.tlckpt");

        assertThat(store.exists(before)).isFalse();
        assertThat(store.put(bytes("w"), "weights/T/name-0123.tlckpt").uri()).isEqualTo(before);
        assertThat(store.exists(before)).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.uri("../escape"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWriterThatClosesItsStreamStoresEverythingAndAFailingOneLeavesTheOldArtifact() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(root);
        StoredArtifact first = store.write("k/bundle.zip", out -> {
            try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out)) {   // closes `out`
                zip.putNextEntry(new java.util.zip.ZipEntry("a.txt"));
                zip.write("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        });
        byte[] stored = Files.readAllBytes(Path.of(first.uri()));
        assertThat(first.sizeBytes()).isEqualTo(stored.length);
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(stored))) {
            assertThat(in.getNextEntry().getName()).isEqualTo("a.txt");
            assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("hello");
        }

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.write("k/bundle.zip", out -> {
            out.write(new byte[] {1, 2, 3});
            throw new IOException("disk full");
        })).hasMessage("disk full");

        assertThat(Files.readAllBytes(Path.of(first.uri()))).isEqualTo(stored);
        try (java.util.stream.Stream<Path> files = Files.list(root.resolve("k"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("bundle.zip");
        }
    }

    @Test
    void sha256IsTheStandardDigest() throws IOException {
        // Known answer: SHA-256 of the empty input.
        StoredArtifact empty = new LocalArtifactStore(root).put(bytes(""), "empty");

        assertThat(empty.sha256()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void putOfAFileCopiesIt() throws IOException {
        Path file = Files.writeString(root.resolve("source.bin"), "weights");
        LocalArtifactStore store = new LocalArtifactStore(root.resolve("store"));

        StoredArtifact stored = store.put(file, "a/b.bin");

        assertThat(Files.readString(Path.of(stored.uri()))).isEqualTo("weights");
        assertThat(file).exists();
    }

    @Test
    void overwritingIsAtomicAndLeavesNoTempFiles() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(root);
        store.put(bytes("first"), "k/model.ckpt");

        StoredArtifact second = store.put(bytes("second version"), "k/model.ckpt");

        assertThat(Files.readString(Path.of(second.uri()))).isEqualTo("second version");
        try (Stream<Path> files = Files.list(root.resolve("k"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model.ckpt");
        }
    }

    @Test
    void aFailedWriteLeavesNeitherTargetNorTempFile() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(root);
        InputStream broken = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 100) {
                    throw new IOException("disk unplugged");
                }
                return 'x';
            }
        };

        assertThatThrownBy(() -> store.put(broken, "k/broken.ckpt")).hasMessageContaining("disk unplugged");
        try (Stream<Path> files = Files.list(root.resolve("k"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void openFailsClearlyWhenTheFileWasCorrupted() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(root);
        StoredArtifact stored = store.put(bytes("good bytes"), "c.ckpt");
        Files.writeString(Path.of(stored.uri()), "evil bytes");

        assertThatThrownBy(() -> store.open(stored))
                .isInstanceOf(ArtifactIntegrityException.class)
                .hasMessageContaining("corrupt or was replaced")
                .hasMessageContaining(stored.sha256())
                .hasMessageContaining(sha256Of("evil bytes"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../escape", "a/../../escape", "/etc/passwd", ".hidden", "a/.b", "a//b", "a\\b",
            "", "a/", "a/./b", "..", "c:/x", "a/b c"})
    void keysThatCouldEscapeOrAreMalformedAreRejected(String key) {
        LocalArtifactStore store = new LocalArtifactStore(root);

        assertThatThrownBy(() -> store.put(bytes("x"), key)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void urisOutsideTheRootAreRejected() throws IOException {
        Path outside = Files.writeString(Files.createTempFile("outside", ".txt"), "secret");
        try {
            LocalArtifactStore store = new LocalArtifactStore(root.resolve("store"));

            // Its own type: a URI from the database outside the store is the server's problem, not the client's (not a 400).
            assertThatThrownBy(() -> store.open(outside.toUri(), "0".repeat(64)))
                    .isInstanceOf(ArtifactOutsideStoreException.class).hasMessageContaining("outside the store root")
                    .hasMessageContaining("written to a different artifact store");
            assertThatThrownBy(() -> store.delete(outside.toUri())).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.exists(URI.create("http://example.com/x")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(outside).exists();
        } finally {
            Files.delete(outside);
        }
    }

    @Test
    void aSymlinkInsideTheRootCannotLeadOut() throws IOException {
        Path outsideDir = Files.createDirectories(root.resolve("outside"));
        Files.writeString(outsideDir.resolve("secret"), "secret");
        Path storeRoot = Files.createDirectories(root.resolve("store"));
        Files.createSymbolicLink(storeRoot.resolve("link"), outsideDir);
        LocalArtifactStore store = new LocalArtifactStore(storeRoot);

        assertThatThrownBy(() -> store.delete(storeRoot.resolve("link/secret").toUri()))
                .isInstanceOf(ArtifactOutsideStoreException.class).hasMessageContaining("links outside");
        assertThat(outsideDir.resolve("secret")).exists();
    }

    @Test
    void checkWritableCreatesTheFolderAndLeavesNothingBehind() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(root.resolve("new/store"));

        store.checkWritable();

        try (Stream<Path> files = Files.list(root.resolve("new/store"))) {
            assertThat(files).as("the probe file is gone").isEmpty();
        }
    }

    /** A folder that cannot be made (under a regular file, as /etc/hostname/art): refused with the folder and what to do. */
    @Test
    void checkWritableRefusesAFolderThatCannotBeWritten() throws IOException {
        Path file = Files.writeString(root.resolve("hostname"), "a file, not a folder");
        LocalArtifactStore under = new LocalArtifactStore(file.resolve("art"));
        LocalArtifactStore onto = new LocalArtifactStore(file);

        assertThatThrownBy(under::checkWritable).isInstanceOf(UnusableArtifactStoreException.class)
                .hasMessageContaining("the artifact store folder " + file.resolve("art") + " cannot be written (")
                .hasMessageContaining("Not a directory")
                .hasMessageEndingWith("give --artifacts / TEMPLATELAB_ARTIFACTS_ROOT a folder this user can write");
        assertThatThrownBy(onto::checkWritable).isInstanceOf(UnusableArtifactStoreException.class)
                .hasMessageContaining(file + " exists and is not a folder");
    }

    @Test
    void deleteAndExists() throws IOException {
        LocalArtifactStore store = new LocalArtifactStore(root);
        StoredArtifact stored = store.put(bytes("x"), "d.ckpt");

        assertThat(store.delete(stored.uri())).isTrue();
        assertThat(store.exists(stored.uri())).isFalse();
        assertThat(store.delete(stored.uri())).isFalse();
    }

    private static String sha256Of(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
