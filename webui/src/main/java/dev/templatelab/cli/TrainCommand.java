package dev.templatelab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.TrainingJob;
import dev.templatelab.training.eval.EvaluationTable;
import dev.templatelab.training.fit.CancellationToken;
import dev.templatelab.training.fit.TrainingOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains one template on a dataset and writes the best epoch's checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a template on a dataset (folder, zip or CSV manifest) and write the best checkpoint.")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--template", required = true, description = "Template name (see 'templates').")
    String template;

    @Mixin
    DatasetOption dataset;

    @Mixin
    HyperparameterOptions hyperparameters;

    @Option(names = "--out", required = true, description = "Checkpoint file to write (best epoch).")
    Path out;

    @Option(names = "--random-init", description = "Allow a pretrained template to start from random weights.")
    boolean randomInit;

    @Option(names = "--resume", description = "Continue from <out>.last if a previous run left it.")
    boolean resume;

    @Option(names = "--overwrite", description = "Start again, replacing <out> and <out>.last of an earlier run.")
    boolean overwrite;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (Files.isDirectory(this.out) && !this.out.toString().isEmpty()) {
            throw new IllegalArgumentException("--out " + this.out + " is a folder; give the checkpoint file to write, "
                    + "e.g. " + this.out.resolve(template + ".tlckpt"));
        }
        // Before the dataset import and the first epoch, which would otherwise be lost to a path it cannot write.
        OutputFile.requireWritable("--out", this.out, "the checkpoint file");
        Path last = TrainingJob.lastCheckpoint(this.out);
        if (!resume && !overwrite && (Files.exists(this.out) || Files.exists(last))) {
            // Its first epoch would replace an earlier run's checkpoints, perhaps hours of training.
            String earlier = Files.exists(this.out) ? "--out " + this.out : last.toString();
            throw new IllegalArgumentException(earlier + " exists: --resume continues that run, --overwrite starts "
                    + "again and replaces it, or choose another --out");
        }
        if (resume && overwrite) {
            throw new IllegalArgumentException("--resume and --overwrite contradict each other; give one");
        }
        CancellationToken cancel = new CancellationToken();
        CountDownLatch reported = new CountDownLatch(1);
        // Ctrl-C: training stops after its minibatch and the summary (with how to resume) is printed before the JVM
        // exits, which it does as soon as its shutdown hooks return.
        Thread hook = new Thread(() -> {
            cancel.cancel();
            try {
                reported.await(30, TimeUnit.SECONDS);   // the dataset import stops at its next image; a minibatch ends first
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "templatelab-train-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return trainAndReport(cancel);
        } finally {
            reported.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and has just been let go
            }
        }
    }

    private int trainAndReport(CancellationToken cancel) throws Exception {
        var err = command.commandLine().getErr();
        var out = command.commandLine().getOut();
        TrainingJob.Request request = new TrainingJob.Request(template, dataset.existing(), hyperparameters.values(),
                this.out, randomInit, resume, TemplateLabHome.fromEnvironment());
        TrainingJob.Result r = TrainingJob.run(request, json ? err : out, List.of(), cancel);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            // Its SHA-256 is there when a checkpoint was written: stopped before the first epoch ended, none was.
            o.put("checkpoint", r.sha256() == null ? null : r.checkpoint().toAbsolutePath().toString());
            o.put("sha256", r.sha256());
            o.put("status", r.outcome().status().name());
            o.put("epochs", r.outcome().history().size());
            o.put("seconds", r.seconds());
            o.put("evaluation", r.evaluation() == null ? null : new ObjectMapper().readTree(r.evaluation().toJson()));
            out.println(new ObjectMapper().writeValueAsString(o));
        } else {
            out.printf("%n%s after %d epoch(s) in %.0f s%n", r.outcome().status(), r.outcome().history().size(), r.seconds());
            if (r.evaluation() != null) {
                out.println(EvaluationTable.format(r.evaluation()));
            }
            if (r.sha256() != null) {
                out.printf("checkpoint %s%nsha256     %s%n", r.checkpoint().toAbsolutePath(), r.sha256());
            } else {
                out.println("no checkpoint was written (training ended before the first epoch finished)");
            }
        }
        if (r.outcome().status() == TrainingOutcome.Status.CANCELLED) {
            err.println(r.sha256() == null && !resume
                    ? "stopped before the first epoch finished; run the same command again to start over"
                    : "stopped; the same command with --resume continues after the last finished epoch");
        }
        out.flush();
        err.flush();
        return r.sha256() == null ? 1 : 0;
    }
}
