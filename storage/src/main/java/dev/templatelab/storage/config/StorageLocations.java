package dev.templatelab.storage.config;

import org.springframework.core.env.Environment;

import java.nio.file.Path;

/**
 * Where storage keeps files on disk: {@code TEMPLATELAB_HOME} (default {@code ~/.templatelab}), the
 * embedded database under {@code <home>/postgres}, checkpoints under {@code templatelab.artifacts.root}
 * (default {@code <home>/artifacts}).
 */
public record StorageLocations(Path home, Path postgres, Path artifacts) {

    /** Property (or environment variable) naming TemplateLab's home folder. */
    public static final String HOME_PROPERTY = "TEMPLATELAB_HOME";
    /** Property overriding the artifact store's root folder (env {@code TEMPLATELAB_ARTIFACTS_ROOT}). */
    public static final String ARTIFACTS_ROOT_PROPERTY = "templatelab.artifacts.root";

    /** Resolves the locations from Spring properties, environment variables and {@code user.home}. */
    public static StorageLocations from(Environment env) {
        // Spring's order: command-line --TEMPLATELAB_HOME=, then -DTEMPLATELAB_HOME, then the environment variable,
        // then property files and defaults; blank means ~/.templatelab. Training's TemplateLabHome.fromEnvironment() reads the
        // -D and environment steps in this order too (it cannot see the Spring-only ones), so the two agree.
        String homeSetting = env.getProperty(HOME_PROPERTY, "");
        Path home = homeSetting.isBlank()
                ? Path.of(System.getProperty("user.home"), ".templatelab")
                : Path.of(homeSetting);
        home = home.toAbsolutePath().normalize();
        String artifactsSetting = env.getProperty(ARTIFACTS_ROOT_PROPERTY, "");
        Path artifacts = artifactsSetting.isBlank()
                ? home.resolve("artifacts")
                : Path.of(artifactsSetting).toAbsolutePath().normalize();
        return new StorageLocations(home, home.resolve("postgres"), artifacts);
    }
}
