package dev.templatelab.cli;

import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Points {@code user.home}, and with it TEMPLATELAB_HOME's default {@code ~/.templatelab} (weights registry,
 * embedded database, artifacts), at a test's own folder for each test, and puts it back afterwards so no later
 * test in the JVM writes into a deleted temp folder:
 * {@code @RegisterExtension final TemporaryUserHome home = new TemporaryUserHome(() -> dir);} with {@code dir} a
 * {@code @TempDir} field (JUnit fills it before this extension's callback runs; the supplier reads it then).
 */
final class TemporaryUserHome implements BeforeEachCallback, AfterEachCallback {

    private final Supplier<Path> folder;
    private String original;

    TemporaryUserHome(Supplier<Path> folder) {
        this.folder = folder;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        original = System.getProperty("user.home");
        // JavaCPP picks its cache of native libraries (~/.javacpp/cache) once per JVM, when it first needs one: left
        // to follow user.home, a test that loads natives first would leave every later one a deleted folder
        // ("Could not initialize class org.bytedeco.dnnl..." when a later trial needs another native class).
        if (System.getProperty(JAVACPP_CACHE) == null) {
            System.setProperty(JAVACPP_CACHE, Path.of(original, ".javacpp", "cache").toString());
        }
        System.setProperty("user.home", folder.get().toString());
    }

    private static final String JAVACPP_CACHE = "org.bytedeco.javacpp.cachedir";

    @Override
    public void afterEach(ExtensionContext context) {
        System.setProperty("user.home", original);
    }
}
