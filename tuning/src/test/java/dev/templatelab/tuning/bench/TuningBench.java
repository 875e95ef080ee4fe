package dev.templatelab.tuning.bench;

import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentSummary;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.tuning.execution.Assignment;
import dev.templatelab.tuning.execution.ExperimentLauncher;
import dev.templatelab.tuning.execution.ExperimentRequest;
import dev.templatelab.tuning.execution.ExperimentStudies;
import dev.templatelab.tuning.execution.TrialControl;
import dev.templatelab.tuning.execution.TrialRunner;
import dev.templatelab.tuning.execution.TrialScheduler;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.SpaceOverride;
import dev.templatelab.tuning.space.SpaceOverrides;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.testapp.TuningTestApplication;
import dev.templatelab.tuning.testing.TinyDigits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * ASHA vs random search at an equal number of trials on the bundled digits (same seeded sampler, so both see
 * the same configurations in the same order), and the orchestration overhead per trial. One worker, so the
 * epochs are comparable. Arguments: --classes N --per-class N --trials N --epochs N --seed N [--curves true]
 * [--pruners none,asha-optuna,asha] (the first is the baseline the others are compared with; {@code asha@48}: ASHA
 * with an epoch budget of 48, a hard cap whose rest goes to its best held trials once no new trial may start)
 * [--validation-fraction F] (a larger split makes a 1 % difference mean something: with 100 validation images,
 * one image is 1 % and the ranking after one epoch is mostly noise)
 * [--fix name=value,name=value] (more hyperparameters held fixed, e.g. the step schedule's init_epochs=6,step_epochs=3).
 */
public final class TuningBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>(Map.of("--classes", "4", "--per-class", "50", "--trials", "8",
                "--epochs", "6", "--seed", "1"));
        a.put("--curves", "false");
        a.put("--validation-fraction", "0.25");
        a.put("--pruners", "none,asha-optuna,asha");
        a.put("--fix", "");
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!a.containsKey(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; known: " + a.keySet());
            }
            a.put(args[i], args[i + 1]);
        }
        int trials = Integer.parseInt(a.get("--trials"));
        int epochs = Integer.parseInt(a.get("--epochs"));
        double validation = Double.parseDouble(a.get("--validation-fraction"));
        Map<String, Object> fixed = fixedValues(a.get("--fix"), space(validation));
        for (String pruner : a.get("--pruners").split(",")) {
            epochBudget(pruner.trim());   // a bad arm is refused before any arm trains
        }
        Path home = Files.createTempDirectory("tuning-bench");
        try {
            runArms(a, home, trials, epochs, validation, fixed);
        } finally {
            // Its database, data and checkpoints: 150-200 MB a run, of no use once the table is printed.
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void runArms(Map<String, String> a, Path home, int trials, int epochs, double validation,
                            Map<String, Object> fixed) throws Exception {
        Path data = TinyDigits.create(home, Integer.parseInt(a.get("--classes")), Integer.parseInt(a.get("--per-class")));
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(TuningTestApplication.class)
                .web(WebApplicationType.NONE).properties(Map.of("TEMPLATELAB_HOME", home.toString(),
                        "templatelab.workers", "0", "logging.level.root", "warn")).run()) {
            long dataset = app.getBean(DatasetService.class).register(new NewDataset("bench-digits",
                    List.of("0"), 1, Map.of(), null, data.toUri())).id();
            System.out.printf(Locale.ROOT, "tiny digits: %s classes x %s images, %d trials of up to %d epochs, "
                    + "InceptionV2 32 px width 0.25, validation fraction %s, seed %s%s%n%n", a.get("--classes"),
                    a.get("--per-class"), trials, epochs, validation, a.get("--seed"),
                    fixed.isEmpty() ? "" : ", fixed " + fixed);
            System.out.printf("%-24s %6s %8s %6s %10s %7s %8s%n", "search", "trials", "complete", "pruned", "best acc",
                    "epochs", "wall s");
            boolean curves = Boolean.parseBoolean(a.get("--curves"));
            long seed = Long.parseLong(a.get("--seed"));
            List<Row> rows = new java.util.ArrayList<>();
            for (String pruner : a.get("--pruners").split(",")) {
                Map<String, Object> space = space(validation);
                space.putAll(fixed);
                rows.add(run(app, dataset, pruner + "-" + System.nanoTime(), pruner.trim(), trials, epochs, space, seed,
                        curves));
            }
            Row random = rows.get(0);
            System.out.println();
            for (Row r : rows.subList(1, rows.size())) {
                System.out.printf(Locale.ROOT, "%s used %.1f %% of random search's epochs (target <= 33.3 %%); best %.4f vs "
                                + "%.4f: %s%n", r.pruner, 100.0 * r.epochs / random.epochs, r.best, random.best,
                        r.best >= random.best ? "reached random's best" : "did NOT reach random's best");
            }
            Row both = new Row("all", 0, 0, 0, 0, 0, 0, rows.stream().mapToLong(Row::claimNanos).sum(),
                    rows.stream().mapToLong(r -> r.timings.trialNanos()).sum(),
                    rows.stream().mapToLong(r -> r.timings.metricNanos()).sum(),
                    rows.stream().mapToLong(r -> r.timings.heartbeatNanos()).sum(),
                    rows.stream().mapToLong(r -> r.timings.pruneNanos()).sum(),
                    rows.stream().mapToLong(r -> r.timings.checkpointNanos()).sum(), null);
            int n = rows.size() * trials;
            double trial = both.trialNanos / 1e6 / n;
            double claim = both.claimNanos / 1e6 / n;
            double metric = both.metricNanos / 1e6 / n;
            double beat = both.heartbeatNanos / 1e6 / n;
            double prune = both.pruneNanos / 1e6 / n;
            double ckpt = both.checkpointNanos / 1e6 / n;
            System.out.printf(Locale.ROOT, "%norchestration per trial (mean of %d): trial %.0f ms; claim %.1f ms, metric writes "
                    + "%.1f ms, heartbeats %.1f ms, prune decisions %.1f ms = %.2f %% of trial time (target < 2 %%)%n"
                    + "epoch checkpoints to the artifact store (fault tolerance, not counted above): %.1f ms = %.2f %%%n",
                    n, trial, claim, metric, beat, prune, 100 * (claim + metric + beat + prune) / trial, ckpt, 100 * ckpt / trial);
        }
    }

    private record Row(String pruner, int trials, long complete, long pruned, double best, long epochs, double seconds, long claimNanos,
                       long trialNanos, long metricNanos, long heartbeatNanos, long pruneNanos, long checkpointNanos,
                       TrialRunner.Timings timings) {
    }

    private static Row run(ConfigurableApplicationContext app, long dataset, String name, String pruner, int trials,
                           int epochs, Map<String, Object> space, long seed, boolean curves) {
        ExperimentInfo e = app.getBean(ExperimentLauncher.class).launch(new ExperimentRequest(name, dataset,
                List.of("Clarifai_InceptionV2"), "random", pruner.split("@", 2)[0], trials, epochs, 1, "accuracy", space,
                null, seed, epochBudget(pruner), null, false, null));
        TrialScheduler scheduler = app.getBean(TrialScheduler.class);
        TrialRunner runner = app.getBean(TrialRunner.class);
        TrialRunner.Timings before = runner.timings();
        long claim = 0;
        long start = System.nanoTime();
        while (true) {
            long t0 = System.nanoTime();
            Optional<Assignment> next = scheduler.next("bench");
            claim += System.nanoTime() - t0;
            if (next.isEmpty()) {
                break;
            }
            runner.run(next.get(), new TrialControl());
            long t1 = System.nanoTime();
            scheduler.completeIfDone(e.id());
            claim += System.nanoTime() - t1;   // the end-of-trial check is scheduling work too
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        TrialRunner.Timings after = runner.timings();
        TrialRunner.Timings delta = new TrialRunner.Timings(after.trialNanos() - before.trialNanos(),
                after.metricNanos() - before.metricNanos(), after.heartbeatNanos() - before.heartbeatNanos(),
                after.pruneNanos() - before.pruneNanos(), after.checkpointNanos() - before.checkpointNanos());
        ExperimentSummary s = app.getBean(ExperimentService.class).summary(e.id());
        Row row = new Row(pruner, trials, s.trials().count(TrialState.COMPLETE), s.trials().count(TrialState.PRUNED),
                s.best().map(b -> b.objectiveValue()).orElse(Double.NaN), s.totals().epochsRecorded(), seconds, claim,
                0, 0, 0, 0, 0, delta);
        System.out.printf(Locale.ROOT, "%-24s %6d %8d %6d %10.4f %7d %8.0f   orchestration %.2f %%%n",
                pruner.equals("none") ? "random (no pruning)" : "random + " + pruner, trials, row.complete, row.pruned,
                row.best, row.epochs, seconds, 100.0 * (claim + delta.metricNanos() + delta.heartbeatNanos()
                        + delta.pruneNanos()) / delta.trialNanos());
        if (curves) {
            printCurves(app, e);
        }
        return row;
    }

    /** The epoch budget of an arm such as {@code asha@48} (ASHA with an epoch budget of 48), or null without one. */
    private static Integer epochBudget(String arm) {
        int at = arm.indexOf('@');
        if (at < 0) {
            return null;
        }
        try {
            return Integer.valueOf(arm.substring(at + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--pruners: " + arm + " needs a whole number of epochs after @, e.g. asha@48");
        }
    }

    /**
     * {@code init_epochs=6,step_epochs=3}: fixed values in the {@code tune --set} syntax (the launcher types and
     * validates them), sorted by name so that the settings line asha_replay.py compares does not depend on their order.
     */
    private static Map<String, Object> fixedValues(String list, Map<String, Object> benchSpace) {
        Map<String, Object> fixed = new java.util.TreeMap<>();
        for (String entry : list.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            if (!(SpaceOverrides.parse(entry) instanceof SpaceOverride.Fixed f) || f.template() != null) {
                throw new IllegalArgumentException("--fix takes name=value pairs separated by commas, got '" + entry + "'");
            }
            if (benchSpace.containsKey(f.name())) {
                throw new IllegalArgumentException("--fix cannot change " + f.name() + ", which the bench sets to "
                        + benchSpace.get(f.name()) + (f.name().equals("validation_fraction") ? " (use --validation-fraction)" : ""));
            }
            fixed.put(f.name(), f.value());
        }
        return fixed;
    }

    /** InceptionV2 at 32 px, width 0.25, batch 16, the learning rate log-uniform in 0.001..0.3. */
    private static Map<String, Object> space(double validation) {
        Map<String, Object> space = new LinkedHashMap<>();
        space.put("image_size", 32);
        space.put("width_multiplier", 0.25);
        space.put("batch_size", 16);
        space.put("validation_fraction", validation);
        space.put("lrate", Map.of("low", 0.001, "high", 0.3, "log", true));
        return space;
    }

    /**
     * Each trial's sampled hyperparameters, state and objective per epoch: the data behind the row, for offline
     * analysis. Besides the learning rate the template's default space samples more (weight decay, flip
     * probability) unless --fix holds them; they can shape the curve too. Fixed values are left out.
     */
    private static void printCurves(ConfigurableApplicationContext app, ExperimentInfo e) {
        ExperimentStudies studies = app.getBean(ExperimentStudies.class);
        for (FrozenTrial t : studies.open(e, studies.storage(e, "bench")).trials()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  curve #%-3d lrate %.5f", t.number(),
                    ((Number) t.params().get("lrate")).doubleValue()));
            new TreeMap<>(t.params()).forEach((name, value) -> {
                Distribution sampledFrom = t.distributions().get(name);
                // per_item_lrate is sampled too but unused: the bench's lrate is per minibatch and set (> 0).
                if (!name.equals("lrate") && !name.equals("per_item_lrate")
                        && (sampledFrom == null || !sampledFrom.isSingle())) {
                    line.append(' ').append(name).append(' ').append(value instanceof Double d
                            ? String.format(Locale.ROOT, "%.3g", d) : value);
                }
            });
            line.append(String.format(Locale.ROOT, " %-8s", t.state()));
            t.intermediateValues().values().forEach(v -> line.append(String.format(Locale.ROOT, " %.4f", v)));
            System.out.println(line);
        }
    }
}
