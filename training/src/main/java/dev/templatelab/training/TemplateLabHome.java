package dev.templatelab.training;

import java.nio.file.Path;

/**
 * Where TemplateLab keeps its files: {@code TEMPLATELAB_HOME}, default {@code ~/.templatelab}. Holds
 * imported datasets, pretrained weights, checkpoints and (with the embedded database) PostgreSQL's data.
 *
 * @param root    the folder
 * @param weights the pretrained-weights registry's folder: {@code root/weights}, unless a trial trains from an
 *                experiment's copy of its weights ({@link #withWeights})
 */
public record TemplateLabHome(Path root, Path weights) {

    /** The home at {@code root}, with its own weights registry. */
    public TemplateLabHome(Path root) {
        this(root, root.resolve("weights"));
    }

    /** This home, but reading pretrained weights from the registry at {@code weightsDir}. */
    public TemplateLabHome withWeights(Path weightsDir) {
        return new TemplateLabHome(root, weightsDir);
    }

    /** The system property and environment variable that name the folder. */
    public static final String VARIABLE = "TEMPLATELAB_HOME";

    /**
     * The folder named by, first to last: the system property {@code -DTEMPLATELAB_HOME=...} (e.g. in
     * {@code TEMPLATELAB_JAVA_OPTS}), the environment variable, else {@code ~/.templatelab}; set but blank means
     * the default. Storage's {@code StorageLocations} resolves the same name through Spring, which also puts system
     * properties before the environment, so both agree; only Spring sees command-line {@code --TEMPLATELAB_HOME=}
     * and property files, so code inside a Spring context takes its home from {@code StorageLocations} instead.
     */
    public static TemplateLabHome fromEnvironment() {
        String setting = System.getProperty(VARIABLE) != null ? System.getProperty(VARIABLE) : System.getenv(VARIABLE);
        Path root = setting != null && !setting.isBlank() ? Path.of(setting)
                : Path.of(System.getProperty("user.home"), ".templatelab");
        return new TemplateLabHome(root.toAbsolutePath().normalize());
    }

    public Path datasets() {
        return root.resolve("datasets");
    }

    public Path checkpoints() {
        return root.resolve("checkpoints");
    }

    /** Scratch space (extracted uploads); safe to delete when nothing runs. */
    public Path work() {
        return root.resolve("work");
    }
}
