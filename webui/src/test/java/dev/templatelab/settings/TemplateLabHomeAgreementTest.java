package dev.templatelab.settings;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.training.TemplateLabHome;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;

/**
 * TEMPLATELAB_HOME is read by training's {@link TemplateLabHome} (no Spring) and storage's {@link StorageLocations}
 * (Spring): the CLI's {@code train}/{@code weights} and the server/{@code tune} must land in the same folder for
 * every way a user sets it from outside (system property, environment variable, nothing).
 */
class TemplateLabHomeAgreementTest {

    private static final String[] PROPERTIES = {"TEMPLATELAB_HOME", "templatelab.home", "user.home"};
    private final Map<String, String> saved = new HashMap<>();

    @TempDir
    Path dir;

    @BeforeEach
    void save() {
        for (String p : PROPERTIES) {
            saved.put(p, System.getProperty(p));
        }
        System.clearProperty("TEMPLATELAB_HOME");
        System.setProperty("user.home", dir.resolve("user").toString());
    }

    @AfterEach
    void restore() {
        saved.forEach((p, v) -> {
            if (v == null) {
                System.clearProperty(p);
            } else {
                System.setProperty(p, v);
            }
        });
    }

    /** Both readers' answer; the Spring side in an environment set up the way Spring Boot sets up its own. */
    private static Path[] homes() {
        StandardEnvironment spring = new StandardEnvironment();
        ConfigurationPropertySources.attach(spring);    // Boot's relaxed-binding view, as in a running app
        Path storage = StorageLocations.from(spring).home();
        Path training = TemplateLabHome.fromEnvironment().root();
        assertThat(training).as("training's and storage's TEMPLATELAB_HOME").isEqualTo(storage);
        return new Path[] {training, storage};
    }

    @Test
    void theSystemPropertyWinsForBoth() {
        System.setProperty("TEMPLATELAB_HOME", dir.resolve("from-property").toString());
        assertThat(homes()[0]).isEqualTo(dir.resolve("from-property"));
    }

    @Test
    void withoutThePropertyBothUseTheEnvironmentVariableOrTheDefault() {
        String variable = System.getenv("TEMPLATELAB_HOME");
        Path expected = variable != null && !variable.isBlank() ? Path.of(variable).toAbsolutePath().normalize()
                : dir.resolve("user").resolve(".templatelab");
        assertThat(homes()[0]).isEqualTo(expected);
    }

    @Test
    void aBlankPropertyMeansTheDefaultForBoth() {
        System.setProperty("TEMPLATELAB_HOME", " ");
        assertThat(homes()[0]).isEqualTo(dir.resolve("user").resolve(".templatelab"));
    }

    @Test
    void aRelativePathIsTheSameAbsoluteFolderForBoth() {
        System.setProperty("TEMPLATELAB_HOME", "relative/../home");
        assertThat(homes()[0]).isEqualTo(Path.of("home").toAbsolutePath());
    }

    @Test
    void theDottedSpellingIsNotTheVariable() {
        // Relaxed binding maps templatelab.home to the variable TEMPLATELAB_HOME, not the other way round.
        System.setProperty("templatelab.home", dir.resolve("dotted").toString());
        assertThat(homes()[0]).isNotEqualTo(dir.resolve("dotted"));
    }
}
