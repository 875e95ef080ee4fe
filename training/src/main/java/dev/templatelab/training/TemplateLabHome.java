package dev.templatelab.training;

import java.nio.file.Path;

/**
 * Where TemplateLab keeps its files: {@code TEMPLATELAB_HOME}, default {@code ~/.templatelab}. Holds
 * imported datasets, pretrained weights, checkpoints and (with the embedded database) PostgreSQL's data.
 */
public record TemplateLabHome(Path root) {

    public static TemplateLabHome fromEnvironment() {
        String env = System.getenv("TEMPLATELAB_HOME");
        return new TemplateLabHome(env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".templatelab"));
    }

    public Path datasets() {
        return root.resolve("datasets");
    }

    public Path weights() {
        return root.resolve("weights");
    }

    public Path checkpoints() {
        return root.resolve("checkpoints");
    }

    /** Scratch space (extracted uploads); safe to delete when nothing runs. */
    public Path work() {
        return root.resolve("work");
    }
}
