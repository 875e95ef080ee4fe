package dev.templatelab.cli;

import dev.templatelab.training.Evaluations;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.data.DatasetImporter;
import dev.templatelab.training.data.ImageDataset;
import dev.templatelab.training.data.ImportLimits;
import dev.templatelab.training.data.ImportProgress;
import dev.templatelab.training.data.ImportResult;
import dev.templatelab.training.eval.Evaluation;
import dev.templatelab.training.eval.EvaluationTable;
import dev.templatelab.training.pipeline.ImageBatchIterator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Scores a checkpoint on every image of a labelled dataset. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on a labelled dataset: accuracy, top-5, per-class metrics, confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--checkpoint", required = true, description = "Checkpoint written by 'train'.")
    Path checkpoint;

    @Option(names = "--data", required = true, description = "Folder, zip or CSV manifest with the checkpoint's classes.")
    Path data;

    @Option(names = "--batch", defaultValue = "32", description = "Images per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--flips", description = "Average each image with its mirror (test-time flip averaging).")
    boolean flips;

    @Option(names = "--json", description = "Print the evaluation as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) {   // before the checkpoint is loaded and every image of the dataset read
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        Checkpoints.Loaded loaded = Checkpoints.read(checkpoint, false);
        CheckpointMetadata m = loaded.metadata();
        // Progress on stderr: stdout may be --json.
        ImportResult imported = DatasetImporter.importFrom(data, TemplateLabHome.fromEnvironment().work(),
                ImportLimits.defaults().forEvaluation(), ImportProgress.printing(command.commandLine().getErr(),
                        Duration.ofSeconds(5), () -> false));
        try {
            return evaluate(m, loaded, imported.dataset());
        } finally {
            imported.deleteExtraction();   // a zip's images were extracted for this evaluation alone
        }
    }

    private int evaluate(CheckpointMetadata m, Checkpoints.Loaded loaded, ImageDataset dataset) {
        List<String> unknown = new ArrayList<>(dataset.classes());
        unknown.removeAll(m.labels());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("the dataset has classes the checkpoint does not know: " + unknown
                    + "; the checkpoint's classes are " + m.labels());
        }
        Evaluation evaluation;
        try (ImageBatchIterator it = ImageBatchIterator.forEvaluation(dataset.records(), m.labels(), m.spec(), m.data(),
                batch, dataset.multiLabel())) {
            evaluation = Evaluations.evaluate(loaded.network(), it, m.labels(), dataset.multiLabel(), flips);
        }
        var out = command.commandLine().getOut();
        out.println(json ? evaluation.toJson() : EvaluationTable.format(evaluation));
        return 0;
    }
}
