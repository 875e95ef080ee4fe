package dev.templatelab.scale;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * bench/scale: the same experiment on 1..N worker processes (server + PostgreSQL + workers on this machine);
 * prints trials/hour, the speed-up over one worker and the mean trial time. See bench/README.md for the options.
 */
public final class ScaleBench {

    private static final String USAGE = """
            bench/scale [--mode short|realistic] [--workers N] [--nd4j-threads auto|N]
                        [--trials N] [--per-class N] [--epochs N] [--image-size PX] [--width W]
              --mode          short: 12 one-epoch trials at 32 px on 24 images (1-3 s each, per-trial costs dominate);
                              realistic (default): 12 two-epoch trials at 64 px on 120 images (training dominates)
              --workers       runs 1, 2, .. N worker processes (default 3)
              --nd4j-threads  native threads per worker: auto (default) = cores / workers, at least 1
              the other options override the mode's workload""";

    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        ScaleOutRun.Workload base = switch (options.getOrDefault("mode", "realistic")) {
            case "short" -> ScaleOutRun.Workload.SHORT;
            case "realistic" -> ScaleOutRun.Workload.REALISTIC;
            default -> throw usage("--mode must be short or realistic, got " + options.get("mode"));
        };
        ScaleOutRun.Workload work = new ScaleOutRun.Workload(
                intOption(options, "trials", base.trials()), intOption(options, "per-class", base.perClass()),
                intOption(options, "epochs", base.epochs()), intOption(options, "image-size", base.imageSize()),
                options.containsKey("width") ? Double.parseDouble(options.get("width")) : base.width());
        int maxWorkers = intOption(options, "workers", 3);
        String threadsOption = options.getOrDefault("nd4j-threads", "auto");
        int nd4jThreads = threadsOption.equals("auto") ? 0 : Integer.parseInt(threadsOption);
        if (maxWorkers < 1 || nd4jThreads < 0) {
            throw usage("--workers must be at least 1 and --nd4j-threads auto or at least 1");
        }
        int cores = Runtime.getRuntime().availableProcessors();

        List<ScaleOutRun.Result> results = new ArrayList<>();
        List<String> loads = new ArrayList<>();
        for (int w = 1; w <= maxWorkers; w++) {
            Path dir = Files.createTempDirectory("templatelab-scale-" + w + "-");
            String before = loadAverage();
            ScaleOutRun.Result r = ScaleOutRun.run(dir, w, work, nd4jThreads, Duration.ofMinutes(60));
            results.add(r);
            loads.add(before + " -> " + loadAverage());
            System.err.printf("%d worker(s): %s (logs in %s)%n", w, r, dir);
        }
        System.out.printf("%nScale-out: %s; server + PostgreSQL + N `templatelab worker` processes on this machine "
                + "(%d cores), ND4J threads per worker: %s%n", work.describe(), cores,
                nd4jThreads == 0 ? "auto (cores / workers, at least 1)" : String.valueOf(nd4jThreads));
        System.out.printf("%-8s %-8s %-9s %8s %12s %8s %11s  %-13s  %s%n", "workers", "threads", "state", "seconds",
                "trials/hour", "speed-up", "mean trial", "load avg", "trials per worker");
        double first = results.get(0).trialsPerHour();
        for (int i = 0; i < results.size(); i++) {
            ScaleOutRun.Result r = results.get(i);
            System.out.printf(Locale.ROOT, "%-8d %-8d %-9s %8.1f %12.1f %7.2fx %10.1fs  %-13s  %s%n", r.workers(),
                    r.nd4jThreadsPerWorker(), r.state(), r.seconds(), r.trialsPerHour(), r.trialsPerHour() / first,
                    r.meanTrialSeconds(), loads.get(i), r.trialsPerWorker());
        }
        System.out.println("load avg: the machine's 1-minute load average before -> after each run "
                + "(above the core count, other processes were competing for the cores)");
    }

    private static String loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", load);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw usage("expected --option value, got " + a);
            }
            options.put(a.substring(2), args[++i]);
        }
        List<String> known = List.of("mode", "workers", "nd4j-threads", "trials", "per-class", "epochs", "image-size",
                "width");
        for (String k : options.keySet()) {
            if (!known.contains(k)) {
                throw usage("unknown option --" + k);
            }
        }
        return options;
    }

    private static int intOption(Map<String, String> options, String name, int fallback) {
        String v = options.get(name);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw usage("--" + name + " must be a whole number, got " + v);
        }
    }

    private static IllegalArgumentException usage(String problem) {
        return new IllegalArgumentException(problem + "\n" + USAGE);
    }
}
