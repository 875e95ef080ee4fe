package dev.templatelab.scale;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * bench/scale: the same experiment on 1..N worker processes (server + PostgreSQL + workers on this machine);
 * prints trials/hour and the speed-up over one worker. Usage: bench/scale [maxWorkers=3] [trials=12] [perClass=12] [threadsPerWorker=all cores]
 */
public final class ScaleBench {

    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        int maxWorkers = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int trials = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        int perClass = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        if (args.length > 3) {   // ND4J threads per worker process (default: all cores in each)
            System.setProperty("templatelab.scale.worker-threads", args[3]);
        }
        List<ScaleOutRun.Result> results = new ArrayList<>();
        for (int w = 1; w <= maxWorkers; w++) {
            Path dir = Files.createTempDirectory("templatelab-scale-" + w + "-");
            results.add(ScaleOutRun.run(dir, w, trials, perClass, Duration.ofMinutes(60)));
            System.err.printf("%d worker(s): %s%n", w, results.get(results.size() - 1));
        }
        System.out.printf("%nScale-out: %d one-epoch trials of %s (32 px, width 0.125, %d images), server + "
                + "PostgreSQL + N worker processes, %d cores, ND4J threads per worker: %s%n", trials,
                ScaleOutRun.TEMPLATE, 2 * perClass, Runtime.getRuntime().availableProcessors(),
                System.getProperty("templatelab.scale.worker-threads", "all cores"));
        System.out.printf("%-8s %-9s %9s %12s %8s  %s%n", "workers", "state", "seconds", "trials/hour", "speed-up",
                "trials per worker");
        double base = results.get(0).trialsPerHour();
        for (ScaleOutRun.Result r : results) {
            System.out.printf("%-8d %-9s %9.1f %12.1f %7.2fx  %s%n", r.workers(), r.state(), r.seconds(),
                    r.trialsPerHour(), r.trialsPerHour() / base, r.trialsPerWorker());
        }
    }
}
