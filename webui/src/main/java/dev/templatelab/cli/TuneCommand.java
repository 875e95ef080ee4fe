package dev.templatelab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentSummary;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialParam;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.data.DatasetImporter;
import dev.templatelab.training.data.ImageDataset;
import dev.templatelab.training.data.ImportLimits;
import dev.templatelab.training.data.ImportProgress;
import dev.templatelab.training.data.ImportResult;
import dev.templatelab.tuning.execution.ExperimentLauncher;
import dev.templatelab.tuning.execution.ExperimentRequest;
import dev.templatelab.tuning.execution.InvalidExperimentException;
import dev.templatelab.tuning.execution.StudyParts;
import dev.templatelab.tuning.execution.TrialScheduler;
import dev.templatelab.tuning.execution.WorkerPool;
import dev.templatelab.tuning.execution.WorkerSettings;
import dev.templatelab.tuning.space.SpaceOverride;
import dev.templatelab.tuning.space.SpaceOverrides;
import dev.templatelab.web.datasets.DatasetImports;
import dev.templatelab.web.experiments.BestCheckpoints;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs a hyperparameter search over one or more templates and reports the best model. */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = "Search hyperparameters over templates on a dataset with pruning; prints progress, a table per "
                + "template and the best checkpoint.")
final class TuneCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec command;

    @Mixin
    DatasetOption dataset;

    @Option(names = "--templates", required = true, split = ",", description = "Templates to compare: A,B (see 'templates').")
    List<String> templates;

    @Option(names = "--trials", defaultValue = "8", description = "Trials to run (default ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--max-epochs", defaultValue = "5", description = "Epochs a trial trains at most (default ${DEFAULT-VALUE}).")
    int maxEpochs;

    @Option(names = "--sampler", defaultValue = StudyParts.DEFAULT_SAMPLER, description = "grid, random or tpe (default ${DEFAULT-VALUE}).")
    String sampler;

    @Option(names = "--pruner", defaultValue = StudyParts.DEFAULT_PRUNER, description = "none, median, asha (holds trials at rungs and promotes the best), asha-optuna "
            + "(decides once per rung, as Optuna) or hyperband (default ${DEFAULT-VALUE}); the last three take rung "
            + "settings, e.g. asha:min_resource=2,reduction_factor=4 (defaults 1 and 3).")
    String pruner;

    @Option(names = "--objective", defaultValue = "accuracy", description = "accuracy, macro_f1, loss or map (multi-label data) (default ${DEFAULT-VALUE}).")
    String objective;

    // Not HyperparameterOptions: here a value may be a range or choices, parsed by SpaceOverrides.
    @Option(names = "--set", description = "Search space change: name=value, name=low..high, name=log:low..high, "
            + "name=low..high:step, name=a,b,c, Template.name=... (repeatable).")
    List<String> set;

    @Option(names = "--parallel", defaultValue = "1", description = "Trials run at once by this process (default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--max-parallel", description = "Trials run at once by all workers together, this process and "
            + "'worker --db' processes on other machines (default: --parallel, so other workers add none).")
    Integer maxParallel;

    @Option(names = "--db", description = "PostgreSQL URL; default: the embedded database under TEMPLATELAB_HOME.")
    String db;

    @Option(names = "--name", description = "Experiment name (default tune-<date-time>).")
    String name;

    @Option(names = "--seed", description = "Sampler seed (default: random, recorded).")
    Long seed;

    @Option(names = "--max-minutes", description = "Stop starting trials after this many minutes.")
    Long maxMinutes;

    @Option(names = "--max-total-epochs", description = "Epoch budget of all trials together. With ASHA a hard cap: a "
            + "trial starts or is promoted only if the budget can finish it, and once no new trial may start the rest "
            + "goes to the best held trials. With other pruners no trial starts once this many epochs were trained.")
    Integer maxTotalEpochs;

    @Option(names = "--target", description = "Stop once a trial reaches this objective value.")
    Double target;

    @Option(names = "--random-init", description = "Let pretrained templates start from random weights.")
    boolean randomInit;

    @Option(names = "--json", description = "Print the result as JSON (progress goes to stderr).")
    boolean json;

    /** The option behind each field of the launcher's request. */
    private static final Map<String, String> OPTION_OF_FIELD = Map.ofEntries(Map.entry("datasetId", "--data"),
            Map.entry("templates", "--templates"), Map.entry("searchSpace", "--set"), Map.entry("maxTrials", "--trials"),
            Map.entry("maxEpochsPerTrial", "--max-epochs"), Map.entry("maxTotalEpochs", "--max-total-epochs"),
            Map.entry("maxWallClock", "--max-minutes"),
            Map.entry("name", "--name"), Map.entry("objective", "--objective"), Map.entry("parallelism", "--max-parallel"),
            Map.entry("pruner", "--pruner"), Map.entry("sampler", "--sampler"), Map.entry("target", "--target"));

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter progress = json ? command.commandLine().getErr() : out;
        Path data = dataset.existing();
        if (parallel < 1) {
            throw new IllegalArgumentException("--parallel must be at least 1, got " + parallel);
        }
        int experimentParallelism = maxParallel == null ? parallel : maxParallel;
        if (experimentParallelism < parallel) {
            throw new IllegalArgumentException("--max-parallel (" + maxParallel + ") must be at least --parallel ("
                    + parallel + "): this process alone runs " + parallel + " trials at once");
        }
        if (maxMinutes != null && maxMinutes < 1) {   // the launcher would say it in seconds ("got -300.0 s")
            throw new IllegalArgumentException("--max-minutes must be at least 1, got " + maxMinutes);
        }
        Map<String, Object> space = space(set == null ? List.of() : set);
        String experimentName = name != null ? name
                : "tune-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        // A bad request should not cost a database start and a read of every image: check all that needs neither.
        launchable(() -> ExperimentLauncher.checkWithoutDatabase(request(experimentName, 0, space, experimentParallelism)));
        // Its workers run its own experiment only: one left RUNNING by an interrupted tune would otherwise come first.
        try (ConfigurableApplicationContext context = TuningCli.start(db, parallel,
                // --parallel as a flag: it beats TEMPLATELAB_WORKERS (0 on a UI-only server) as --db beats DATABASE_URL
                Map.of(TrialScheduler.OWN_EXPERIMENT_ONLY, true, WorkerSettings.WORKERS_PROPERTY, parallel))) {
            // The context's home, not TemplateLabHome.fromEnvironment(): one process, one folder (see StorageLocations).
            TemplateLabHome home = new TemplateLabHome(context.getBean(StorageLocations.class).home());
            DatasetInfo registered = register(context.getBean(DatasetService.class), data, home, progress);
            ExperimentInfo e = launchable(() -> context.getBean(ExperimentLauncher.class).launch(
                    request(experimentName, registered.id(), space, experimentParallelism)));
            progress.printf("experiment %d (%s): %d trial(s) of %s, %s sampler, %s pruner, %d at a time here%s%n", e.id(),
                    e.name(), trials, String.join(", ", templates), sampler, pruner, parallel,
                    experimentParallelism > parallel ? ", up to " + experimentParallelism + " with other workers" : "");
            progress.flush();
            context.getBean(TrialScheduler.class).runOnly(e.id());
            // Ctrl-C: the experiment stays RUNNING (its database may be stopping too: the embedded one gets the
            // signal as well), so say where it goes on.
            PrintWriter err = command.commandLine().getErr();
            AtomicBoolean interrupted = new AtomicBoolean();
            ProgressLines lines = new ProgressLines(progress);
            Thread hook = new Thread(() -> {
                interrupted.set(true);
                // The last line: the experiment goes on being followed a moment, its progress lines not printed.
                lines.stopThen(() -> {
                    err.printf("%ninterrupted: experiment %d (%s) stays RUNNING with its finished trials and "
                            + "checkpoints; './templatelab serve' on this database resumes it (pause or cancel it "
                            + "there); another 'tune' runs only its own experiment%n", e.id(), e.name());
                    err.flush();
                });
            }, "templatelab-tune-interrupted");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                ExperimentSummary summary = follow(context.getBean(ExperimentService.class), e.id(), lines);
                if (summary == null) {
                    return 130;   // interrupted: said by the hook
                }
                // Its workers stop first: after a cancel (from serve) one may still be storing its trial's last epoch,
                // which can change that trial's best epoch and value; stopped, every trial of ours is settled.
                context.getBean(WorkerPool.class).stop();
                report(context, summary, out);
                return summary.best().isPresent() ? 0 : 1;
            } catch (RuntimeException failed) {
                if (interrupted.get()) {
                    return 130;   // the database went away with the interrupt (the embedded one gets it too): said above
                }
                throw failed;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // interrupted: the hook runs
                }
            }
        }
    }

    private ExperimentRequest request(String experimentName, long datasetId, Map<String, Object> space,
                                      int experimentParallelism) {
        return new ExperimentRequest(experimentName, datasetId, templates, sampler, pruner, trials, maxEpochs,
                experimentParallelism, objective, space, maxMinutes == null ? null : Duration.ofMinutes(maxMinutes), seed,
                maxTotalEpochs, target, randomInit, System.getProperty("user.name"));
    }

    /** Runs a launcher step, its refusal said in terms of options. */
    private static <T> T launchable(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (InvalidExperimentException refused) {
            throw asOptionError(refused);
        }
    }

    private static void launchable(Runnable step) {
        launchable(() -> {
            step.run();
            return null;
        });
    }

    /** The launcher speaks of request fields (the REST API's names): say which option to change. */
    private static IllegalArgumentException asOptionError(InvalidExperimentException refused) {
        String option = OPTION_OF_FIELD.getOrDefault(refused.field(), refused.field());
        return new IllegalArgumentException(option + refused.getMessage().substring(refused.field().length()), refused);
    }

    /**
     * Prints a progress line whenever something changes, until the experiment ends (its summary) or Ctrl-C stops the
     * lines (null).
     */
    private ExperimentSummary follow(ExperimentService experiments, long id, ProgressLines progress)
            throws InterruptedException {
        long start = System.nanoTime();
        String previous = "";
        while (!progress.stopped()) {
            ExperimentSummary s = experiments.summary(id);
            long cancelled = s.trials().count(TrialState.CANCELLED);   // by a cancel in serve, on the same database
            String line = String.format(Locale.ROOT, "trials %d/%d done (%d complete, %d pruned, %d failed%s), %d running, "
                            + "%d held; %d epochs; best %s", s.trials().finished(), trials, s.trials().count(TrialState.COMPLETE),
                    s.trials().count(TrialState.PRUNED), s.trials().count(TrialState.FAIL),
                    cancelled == 0 ? "" : ", " + cancelled + " cancelled",
                    s.trials().count(TrialState.RUNNING), s.trials().count(TrialState.HELD), s.totals().epochsRecorded(),
                    s.best().map(b -> String.format(Locale.ROOT, "%.4f (#%d %s)", b.objectiveValue(), b.number(),
                            b.template())).orElse("-"));
            if (!line.equals(previous)) {
                progress.print(String.format(Locale.ROOT, "[%4.0fs] %s", (System.nanoTime() - start) / 1e9, line));
                previous = line;
            }
            if (s.experiment().state().isFinished()) {
                return progress.stopped() ? null : s;
            }
            Thread.sleep(1000);
        }
        return null;
    }

    /**
     * The live progress lines, until {@link #stopThen}: Ctrl-C's message comes last. A line being printed when it is
     * called is finished first; none is printed after.
     */
    static final class ProgressLines {

        private final PrintWriter out;
        private boolean stopped;

        ProgressLines(PrintWriter out) {
            this.out = out;
        }

        /** Prints {@code line} unless stopped; false if it was not printed. */
        synchronized boolean print(String line) {
            if (stopped) {
                return false;
            }
            out.println(line);
            out.flush();
            return true;
        }

        /** Prints no more lines, then runs {@code lastWords} (which print the message that must come last). */
        synchronized void stopThen(Runnable lastWords) {
            stopped = true;
            lastWords.run();
        }

        synchronized boolean stopped() {
            return stopped;
        }
    }

    private void report(ConfigurableApplicationContext context, ExperimentSummary summary, PrintWriter out) throws Exception {
        TrialService trialService = context.getBean(TrialService.class);
        MetricService metrics = context.getBean(MetricService.class);
        List<TrialInfo> all = trialService.page(summary.experiment().id(), null, Pageable.unpaged(Sort.by("number")))
                .getContent();
        Optional<TrialInfo> best = summary.best();
        Optional<CheckpointInfo> checkpoint = best.flatMap(b -> context.getBean(CheckpointService.class).best(b.id()));
        // A search cancelled (from serve) before any trial completed hands over what its cancelled trials reached:
        // the REST download's choice.
        Optional<BestCheckpoints.Download> cancelled = best.isPresent() ? Optional.empty()
                : new BestCheckpoints(context.getBean(ExperimentService.class), trialService,
                        context.getBean(CheckpointService.class)).ofExperiment(summary.experiment().id())
                        .filter(BestCheckpoints.Download::fromCancelledTrial);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("experiment", summary.experiment().id());
            o.put("state", summary.experiment().state().name());
            o.put("best", best.map(b -> bestJson(b, checkpoint))
                    .or(() -> cancelled.map(c -> bestJson(c.trial(), Optional.of(c.checkpoint())))).orElse(null));
            List<Map<String, Object>> rows = new ArrayList<>();
            for (TrialInfo t : all) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("number", t.number());
                m.put("template", t.template());
                m.put("state", t.state().name());
                m.put("objective", t.objectiveValue());
                m.put("epochs", metrics.epochCount(t.id()));
                if (t.state() == TrialState.FAIL && t.error() != null) {
                    m.put("error", firstLine(t.error()));
                }
                rows.add(m);
            }
            o.put("trials", rows);
            out.println(JSON.writeValueAsString(o));
            out.flush();
            return;
        }
        out.printf("%nexperiment %d %s%n%n", summary.experiment().id(), summary.experiment().state());
        out.print(table(summary.experiment().templates(), all, summary.experiment().objective(),
                summary.experiment().direction()));
        if (best.isPresent()) {
            TrialInfo b = best.get();
            out.printf(Locale.ROOT, "%nbest: trial #%d %s, %s = %.4f%nparams: %s%n", b.number(), b.template(),
                    StudyParts.objectiveName(summary.experiment().objective()), b.objectiveValue(), params(b));
            checkpoint.ifPresent(c -> out.printf("checkpoint %s%nsha256     %s%n", Path.of(c.uri()), c.sha256()));
        } else {
            out.println("\nno trial completed");
            if (cancelled.isPresent()) {
                TrialInfo c = cancelled.get().trial();
                CheckpointInfo saved = cancelled.get().checkpoint();
                out.printf(Locale.ROOT, "best cancelled trial: #%d %s, %s = %.4f at epoch %d%nparams: %s%n", c.number(),
                        c.template(), StudyParts.objectiveName(summary.experiment().objective()), c.objectiveValue(),
                        saved.epoch() + 1, params(c));
                out.printf("checkpoint %s%nsha256     %s%n", Path.of(saved.uri()), saved.sha256());
            }
        }
        // Why trials failed, without a trip to the logs: the distinct errors, with the first trial of each.
        Map<String, Integer> firstTrialOf = new LinkedHashMap<>();
        all.stream().filter(t -> t.state() == TrialState.FAIL && t.error() != null)
                .forEach(t -> firstTrialOf.putIfAbsent(firstLine(t.error()), t.number()));
        if (best.isPresent() && !firstTrialOf.isEmpty()) {
            out.println();
        }
        firstTrialOf.entrySet().stream().limit(3).forEach(error -> out.printf("trial #%d failed: %s%n", error.getValue(),
                error.getKey()));
        if (firstTrialOf.size() > 3) {
            out.printf("... and %d other error(s): './templatelab serve' shows every trial's%n", firstTrialOf.size() - 3);
        }
        out.flush();
    }

    /**
     * {@code --json}'s {@code best}: a COMPLETE trial's, or in a cancelled search without one the best CANCELLED
     * trial's ({@code state} says which); {@code epoch} (1-based) is its checkpoint's.
     */
    private static Map<String, Object> bestJson(TrialInfo trial, Optional<CheckpointInfo> checkpoint) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("template", trial.template());
        m.put("state", trial.state().name());
        m.put("objective", trial.objectiveValue());
        m.put("params", params(trial));
        m.put("epoch", checkpoint.map(c -> c.epoch() + 1).orElse(null));
        m.put("checkpoint", checkpoint.map(c -> Path.of(c.uri()).toString()).orElse(null));
        m.put("sha256", checkpoint.map(CheckpointInfo::sha256).orElse(null));
        return m;
    }

    /**
     * The table per template: its trials by state, then the best, mean and spread (standard deviation) of the
     * objective over its complete trials only, "-" where it has none: a pruned trial's value is that of a training
     * stopped early, not comparable with finished ones ({@code --json} lists every trial's).
     */
    static String table(List<String> templates, List<TrialInfo> all, Metric objective, Direction direction) {
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%-38s %6s %8s %6s %6s %9s %8s %8s %8s%n",
                "template", "trials", "complete", "pruned", "failed", "cancelled", "best", "mean", "spread"));
        for (String template : templates) {
            List<TrialInfo> of = all.stream().filter(t -> t.template().equals(template)).toList();
            double[] values = of.stream().filter(t -> t.state() == TrialState.COMPLETE && t.objectiveValue() != null)
                    .mapToDouble(TrialInfo::objectiveValue).toArray();
            String best = "-";
            String mean = "-";
            String spread = "-";
            if (values.length > 0) {
                double m = Arrays.stream(values).average().orElseThrow();
                double b = Arrays.stream(values).reduce((x, y) -> direction.isBetter(y, x) ? y : x).orElseThrow();
                best = String.format(Locale.ROOT, "%.4f", b);
                mean = String.format(Locale.ROOT, "%.4f", m);
                spread = String.format(Locale.ROOT, "%.4f",
                        Math.sqrt(Arrays.stream(values).map(v -> (v - m) * (v - m)).average().orElseThrow()));
            }
            table.append(String.format(Locale.ROOT, "%-38s %6d %8d %6d %6d %9d %8s %8s %8s%n", template, of.size(),
                    count(of, TrialState.COMPLETE), count(of, TrialState.PRUNED), count(of, TrialState.FAIL),
                    count(of, TrialState.CANCELLED), best, mean, spread));
        }
        table.append(String.format("(best, mean, spread: %s of the complete trials; a pruned trial stopped early and is "
                + "not counted)%n", StudyParts.objectiveName(objective)));
        return table.toString();
    }

    /** A trial's error without its stack trace. */
    private static String firstLine(String error) {
        return error.lines().findFirst().orElse("");
    }

    private static long count(List<TrialInfo> trials, TrialState state) {
        return trials.stream().filter(t -> t.state() == state).count();
    }

    private static Map<String, Object> params(TrialInfo t) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (TrialParam p : t.params()) {
            try {
                m.put(p.name(), JSON.readValue(p.valueJson(), Object.class));
            } catch (Exception e) {
                m.put(p.name(), p.valueJson());
            }
        }
        return m;
    }

    /**
     * The dataset's row in storage: the one registered with the same images (a folder or manifest: at this path; a zip:
     * anywhere this machine can read), or a new one. A zip is extracted once, under {@code TEMPLATELAB_HOME/datasets}
     * as an upload is, and that folder registered: trials read it instead of each extracting the zip again.
     */
    private DatasetInfo register(DatasetService datasets, Path data, TemplateLabHome home, PrintWriter progress)
            throws Exception {
        progress.println("importing " + data + " (every image is read once, to check it and hash the dataset)");
        progress.flush();
        // What an interrupted tune (Ctrl-C during a zip's extraction) or a killed serve left there.
        DatasetImports.sweepAbandonedImports(home.root().resolve("datasets"), datasets);
        ImportResult result = DatasetImporter.importFrom(data, home.root().resolve("datasets"), ImportLimits.defaults(),
                ImportProgress.printing(progress, Duration.ofSeconds(5), () -> false));
        boolean zip = result.extractedTo() != null;
        boolean registered = false;
        try {
            result.report().lines().forEach(line -> progress.println("warning: " + line));   // as train says them
            progress.flush();
            ImageDataset dataset = result.dataset();
            if ("map".equalsIgnoreCase(objective) && !dataset.multiLabel()) {   // else every trial fails on it
                throw new IllegalArgumentException("--objective map is measured on multi-label data only (a CSV "
                        + "manifest with labels like 'cat;dog'); " + data + " is single-label: use --objective accuracy "
                        + "or macro_f1");
            }
            Path source = data.toAbsolutePath().normalize();
            URI location = (zip ? result.root() : source).toUri();
            Path managed = home.root().resolve("datasets").toAbsolutePath().normalize();
            for (DatasetInfo d : datasets.findByContentHash(dataset.contentHash())) {
                boolean readable = "file".equals(d.storageUri().getScheme()) && Files.isReadable(Path.of(d.storageUri()));
                // A folder is reused at its own path, or as an upload's (or zip's) copy under TEMPLATELAB_HOME/datasets,
                // which nothing changes: not as another folder of the user's, which may be edited after this run.
                boolean same = d.storageUri().equals(location)
                        || readable && (zip || Path.of(d.storageUri()).toAbsolutePath().normalize().startsWith(managed));
                if (same) {
                    progress.println("the same images are registered as dataset '" + d.name() + "': using it");
                    progress.flush();
                    return d;   // a zip's fresh extraction is deleted below
                }
            }
            String base = (source.getFileName() == null ? "dataset" : source.getFileName().toString()) + "-"
                    + dataset.contentHash().substring(0, 8);
            String name = base;
            for (int i = 2; datasets.findByName(name).isPresent(); i++) {
                name = base + "-" + i;
            }
            DatasetInfo info = datasets.register(new NewDataset(name, dataset.classes(), dataset.records().size(),
                    dataset.imagesPerClass(), dataset.contentHash(), location, result.report().lines()));
            registered = true;
            return info;
        } finally {
            if (registered) {
                result.keepExtraction();   // the dataset's home (deleted with the dataset, as an upload's is)
            } else {
                result.deleteExtraction();
            }
        }
    }

    /** {@code --set} entries in the JSON shape the launcher takes. */
    static Map<String, Object> space(List<String> entries) {
        Map<String, Object> space = new LinkedHashMap<>();
        for (SpaceOverride o : SpaceOverrides.parse(entries)) {
            String key = o.template() == null ? o.name() : o.template() + "." + o.name();
            if (space.containsKey(key)) {   // as train's --set: which of the two was meant is not ours to guess
                throw new IllegalArgumentException("--set " + key + " given twice");
            }
            if (o instanceof SpaceOverride.Fixed f) {
                space.put(key, f.value());
            } else if (o instanceof SpaceOverride.Choices c) {
                space.put(key, c.values());
            } else if (o instanceof SpaceOverride.Range r) {
                Map<String, Object> range = new LinkedHashMap<>();
                range.put("low", number(key, r.low()));
                range.put("high", number(key, r.high()));
                if (r.log() != null) {
                    range.put("log", r.log());
                }
                if (r.step() != null) {
                    range.put("step", number(key, r.step()));
                }
                space.put(key, range);
            }
        }
        return space;
    }

    private static Number number(String key, Object raw) {
        if (raw instanceof Number n) {
            return n;
        }
        String text = String.valueOf(raw).trim();
        try {
            return text.matches("-?\\d+") ? (Number) Integer.valueOf(text) : Double.valueOf(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--set " + key + ": '" + raw + "' is not a number");
        }
    }
}
