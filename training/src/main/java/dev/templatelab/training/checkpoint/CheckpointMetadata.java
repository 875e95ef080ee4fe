package dev.templatelab.training.checkpoint;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.TemplateSpec;
import java.util.List;
import java.util.Map;

/**
 * Provenance stored inside every checkpoint (Tribuo's model provenance): enough to know what the model
 * is, how to feed it, and to reproduce the run.
 *
 * @param format          {@value #FORMAT}
 * @param template        template name
 * @param spec            architecture spec (classes, input size, width, head)
 * @param labels          class names in output order
 * @param data            preprocessing: input size, channel order, mean/std
 * @param hyperparameters the resolved training hyperparameters
 * @param metrics         final or per-epoch metrics (free-form numbers and tables)
 * @param datasetHash     content hash of the training dataset
 * @param splitSeed       seed of the train/validation split
 * @param seed            RNG seed of the run
 * @param epoch           epochs completed when this checkpoint was written
 * @param versions        TemplateLab, DL4J, ND4J backend, JVM and OS versions
 * @param createdAt       ISO-8601 instant
 * @param extra           anything else worth keeping (source weights, mapping used, parent checkpoint)
 */
public record CheckpointMetadata(String format, String template, TemplateSpec spec, List<String> labels, DataConfig data,
                                 Map<String, Object> hyperparameters, Map<String, Object> metrics, String datasetHash,
                                 long splitSeed, long seed, int epoch, Map<String, String> versions, String createdAt,
                                 Map<String, Object> extra) {

    /**
     * The format this build writes. Version 2: a batch norm may carry its ReLU ({@code MomentsBatchNormalization}'s
     * {@code relu} field). A build that knew only version 1 would read such a network without error (its JSON
     * reader skips the unknown field) and run it without those ReLUs, so version 2 makes it refuse the file.
     */
    public static final String FORMAT = "templatelab-checkpoint/2";

    /** The formats this build reads: its own and version 1, whose networks have every ReLU as its own layer. */
    public static final List<String> READABLE_FORMATS = List.of("templatelab-checkpoint/1", FORMAT);

    public CheckpointMetadata {
        labels = List.copyOf(labels);
        hyperparameters = Map.copyOf(hyperparameters);
        metrics = Map.copyOf(metrics);
        versions = Map.copyOf(versions);
        extra = Map.copyOf(extra);
    }
}
