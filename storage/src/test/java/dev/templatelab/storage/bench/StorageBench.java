package dev.templatelab.storage.bench;

import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.experiments.Budget;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.NewExperiment;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.storage.metrics.MetricWriter;
import dev.templatelab.storage.testapp.StorageTestApplication;
import dev.templatelab.storage.trials.ClaimedTrial;
import dev.templatelab.storage.trials.TrialResult;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.domain.PageRequest;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code bench/storage}: how storage holds up under many workers and with a big experiment.
 * Part 1 runs N worker threads (claim, per epoch report metrics + heartbeat, complete; no training
 * in between, so this is the database's ceiling) for a fixed time each. Part 2 loads one experiment
 * with 10,000 trials and 1,000,000 metric points (COPY) next to many small experiments, then times
 * the UI's main queries through the services. Embedded PostgreSQL in a temporary TEMPLATELAB_HOME
 * unless DATABASE_URL is set.
 */
public final class StorageBench {

    private static final String FLOAT_DISTRIBUTION = "{\"type\":\"float\",\"low\":1e-5,\"high\":1.0,\"log\":true}";
    private static final String CHOICE_DISTRIBUTION = "{\"type\":\"categorical\",\"choices\":[\"adam\",\"sgd\"]}";

    private final Options options;
    private ConfigurableApplicationContext app;
    private JdbcTemplate jdbc;
    private long datasetId;

    private StorageBench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        if (options == null) {
            return;
        }
        new StorageBench(options).run();
    }

    private void run() throws Exception {
        Path home = options.home != null ? options.home : Files.createTempDirectory("templatelab-storage-bench");
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "TemplateLab storage bench: %d cores, %s, home %s%n", cores,
                System.getenv("DATABASE_URL") == null || System.getenv("DATABASE_URL").isBlank()
                        ? "embedded PostgreSQL" : "DATABASE_URL", home);
        int maxWorkers = Arrays.stream(options.workers).max().orElse(1);
        long t0 = System.nanoTime();
        app = new SpringApplicationBuilder(StorageTestApplication.class)
                .run("--TEMPLATELAB_HOME=" + home,
                        // One connection per worker thread, as if each worker were its own process.
                        "--spring.datasource.hikari.maximum-pool-size=" + (maxWorkers + 10),
                        "--spring.datasource.hikari.minimum-idle=2",
                        "--logging.level.root=WARN", "--logging.level.dev.templatelab=WARN");
        System.out.printf(Locale.ROOT, "started in %.1f s%n%n", (System.nanoTime() - t0) / 1e9);
        try {
            jdbc = app.getBean(JdbcTemplate.class);
            datasetId = app.getBean(DatasetService.class).register(new NewDataset("bench-" + System.nanoTime(),
                    List.of("a", "b"), 2, Map.of("a", 1, "b", 1), null, URI.create("file:///bench"))).id();
            baseline();
            workers(new int[] {4}, 2, false);   // warm-up: JIT, connections, plan caches; not reported
            workers(options.workers, options.seconds, true);
            queries();
        } finally {
            app.close();
            if (options.home == null) {
                deleteTree(home);
            }
        }
    }

    // ---------------------------------------------------------------- part 1: workers

    /** One database round trip on this machine right now, the yardstick for everything below. */
    private void baseline() {
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long t = System.nanoTime();
            jdbc.queryForObject("SELECT 1", Integer.class);
            nanos.add(System.nanoTime() - t);
        }
        System.out.printf(Locale.ROOT, "baseline: SELECT 1 round trip p50 %.2f ms, p95 %.2f ms; load average %s%n%n",
                percentile(nanos, 50), percentile(nanos, 95), loadAverage());
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void workers(int[] workerCounts, int seconds, boolean report) throws Exception {
        TrialService trials = app.getBean(TrialService.class);
        MetricWriter writer = app.getBean(MetricWriter.class);
        if (report) {
            System.out.printf(Locale.ROOT, "## Workers: claim -> %d x (report epoch + heartbeat) -> complete, %d s per row%n%n",
                    options.epochsPerClaim, seconds);
            System.out.println("| workers | trials claimed/s | metric rows/s | heartbeats/s | claim p50 ms | claim p95 ms"
                    + " | complete p95 ms | metric INSERTs | double claims |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        }
        for (int n : workerCounts) {
            ExperimentInfo e = experiment("workers-" + n + "-" + System.nanoTime());
            // Enough WAITING trials that no worker runs dry within the time box.
            int supply = Math.max(2000, n * 100);
            insertTrials(e.id(), supply, false);
            long writtenBefore = writer.stats().rowsInserted();
            long statementsBefore = writer.stats().statements();

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger claims = new AtomicInteger();
            AtomicInteger heartbeats = new AtomicInteger();
            AtomicInteger reports = new AtomicInteger();
            java.util.Set<Long> claimedIds = java.util.concurrent.ConcurrentHashMap.newKeySet();
            AtomicInteger doubleClaims = new AtomicInteger();
            List<Long> claimNanos = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Long> completeNanos = java.util.Collections.synchronizedList(new ArrayList<>());
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(n);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < n; w++) {
                String worker = "bench-worker-" + w;
                done.add(pool.submit(() -> {
                    go.await();
                    while (!stop.get()) {
                        long c0 = System.nanoTime();
                        Optional<ClaimedTrial> claimed = trials.claimNext(e.id(), worker);
                        claimNanos.add(System.nanoTime() - c0);
                        if (claimed.isEmpty()) {
                            break;
                        }
                        claims.incrementAndGet();
                        long id = claimed.get().lease().trialId();
                        if (!claimedIds.add(id)) {
                            doubleClaims.incrementAndGet();
                        }
                        for (int ep = 0; ep < options.epochsPerClaim; ep++) {
                            trials.reportEpoch(id, new EpochMetrics(ep, 1.0 / (ep + 1), 1.1 / (ep + 1), 0.5 + ep * 0.01,
                                    0.4 + ep * 0.01, 0.1, 300.0));
                            reports.incrementAndGet();
                            trials.heartbeat(claimed.get().lease());
                            heartbeats.incrementAndGet();
                        }
                        long f0 = System.nanoTime();
                        trials.complete(claimed.get().lease(), TrialResult.of(0.5));
                        completeNanos.add(System.nanoTime() - f0);
                    }
                    return null;
                }));
            }
            long start = System.nanoTime();
            go.countDown();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            stop.set(true);
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            trials.flushMetrics();
            double elapsed = (System.nanoTime() - start) / 1e9;
            long written = writer.stats().rowsInserted() - writtenBefore;
            long statements = writer.stats().statements() - statementsBefore;
            Long rows = jdbc.queryForObject("SELECT count(*) FROM trial_metrics m JOIN trials t ON t.id = m.trial_id"
                    + " WHERE t.experiment_id = ?", Long.class, e.id());
            if (rows == null || rows != reports.get() || written != reports.get()) {
                throw new IllegalStateException("lost metric rows: reported " + reports + ", inserted " + written
                        + ", stored " + rows);
            }
            if (!report) {
                continue;
            }
            System.out.printf(Locale.ROOT, "| %d | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f | %d (%.0f rows each) | %d |%n",
                    n, claims.get() / elapsed, written / elapsed, heartbeats.get() / elapsed,
                    percentile(claimNanos, 50), percentile(claimNanos, 95), percentile(completeNanos, 95),
                    statements, statements == 0 ? 0.0 : (double) written / statements, doubleClaims.get());
        }
        if (report) {
            System.out.println();
        }
    }

    // ---------------------------------------------------------------- part 2: UI queries

    private void queries() throws Exception {
        ExperimentService experiments = app.getBean(ExperimentService.class);
        TrialService trials = app.getBean(TrialService.class);
        MetricService metrics = app.getBean(MetricService.class);

        System.out.printf(Locale.ROOT, "## UI queries: %,d small experiments + one of %,d trials x %d epochs = %,d metric points%n%n",
                options.smallExperiments, options.trials, options.epochs, (long) options.trials * options.epochs);
        long t0 = System.nanoTime();
        for (int i = 0; i < options.smallExperiments; i++) {
            ExperimentInfo small = experiment("small-" + i + "-" + System.nanoTime());
            insertTrials(small.id(), 20, true);
        }
        ExperimentInfo big = experiment("big-" + System.nanoTime());
        insertTrials(big.id(), options.trials, true);
        long copied = copyMetrics(big.id(), options.epochs);
        // What finishing each trial through TrialService records.
        jdbc.update("UPDATE trials SET epoch_count = ? WHERE experiment_id = ? AND state IN ('COMPLETE', 'PRUNED', 'FAIL')",
                options.epochs, big.id());
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        jdbc.execute("VACUUM ANALYZE");   // what autovacuum does shortly after a bulk load
        System.out.printf(Locale.ROOT, "loaded in %.1f s (%,d metric rows by COPY, %.0f rows/s), VACUUM ANALYZE %.1f s%n%n",
                loadSeconds, copied, copied / loadSeconds, (System.nanoTime() - t1) / 1e9);

        List<Long> someTrials = jdbc.queryForList("SELECT id FROM trials WHERE experiment_id = ? AND state = 'COMPLETE'"
                + " ORDER BY random() LIMIT 10", Long.class, big.id());
        int lastPage = (options.trials - 1) / 50;
        List<Row> rows = List.of(
                time("experiment list, page 1 (50 rows + trial counts)",
                        () -> experiments.list(null, PageRequest.of(0, 50))),
                time("experiment list, state QUEUED, page 2",
                        () -> experiments.list(dev.templatelab.storage.experiments.ExperimentState.QUEUED,
                                PageRequest.of(1, 50))),
                time("summary of the 10,000-trial experiment", () -> experiments.summary(big.id())),
                time("trials by objective, page 1 (50)",
                        () -> trials.ranked(big.id(), Direction.MAXIMIZE, PageRequest.of(0, 50))),
                time("trials by objective, last page",
                        () -> trials.ranked(big.id(), Direction.MAXIMIZE, PageRequest.of(lastPage, 50))),
                time("metric curves of 10 trials (" + options.epochs + " epochs each)",
                        () -> metrics.curves(someTrials)),
                time("pruner: val accuracy of COMPLETE trials at epoch " + options.epochs / 2,
                        () -> trials.valuesAtEpoch(big.id(), options.epochs / 2, Metric.VAL_ACCURACY,
                                EnumSet.of(TrialState.COMPLETE))));
        System.out.println("| query | p50 ms | p95 ms | max ms | p95 < 1 s |");
        System.out.println("|---|---:|---:|---:|:---:|");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %s |%n", r.name, r.p50, r.p95, r.max,
                    r.p95 < 1000 ? "yes" : "NO");
        }
    }

    private Row time(String name, Supplier<?> query) {
        for (int i = 0; i < 3; i++) {
            query.get();   // warm-up: JIT, plan caches, buffers
        }
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < options.repeats; i++) {
            long t = System.nanoTime();
            Object result = query.get();
            nanos.add(System.nanoTime() - t);
            if (result == null) {
                throw new IllegalStateException(name + " returned nothing");
            }
        }
        return new Row(name, percentile(nanos, 50), percentile(nanos, 95), percentile(nanos, 100));
    }

    private record Row(String name, double p50, double p95, double max) {
    }

    // ---------------------------------------------------------------- fixtures (bulk SQL, not services)

    private ExperimentInfo experiment(String name) {
        return app.getBean(ExperimentService.class).create(new NewExperiment(name, datasetId,
                List.of("Clarifai_ResNet", "Clarifai_ResNext"), "{\"lr\": " + FLOAT_DISTRIBUTION + "}", "tpe", "median",
                new Budget(null, options.epochs, null, null, null), Metric.VAL_ACCURACY, Direction.MAXIMIZE, 8, "bench"));
    }

    /**
     * {@code count} trials with two params each in two multi-row INSERT ... SELECTs, all WAITING or a
     * realistic mix of states (90 % COMPLETE with an objective, then PRUNED, FAIL, RUNNING, WAITING).
     */
    private void insertTrials(long experimentId, int count, boolean mixedStates) {
        int base = jdbc.queryForObject("SELECT coalesce(max(number), -1) + 1 FROM trials WHERE experiment_id = ?",
                Integer.class, experimentId);
        String state = !mixedStates ? "'WAITING'" : """
                CASE WHEN g % 100 < 90 THEN 'COMPLETE' WHEN g % 100 < 95 THEN 'PRUNED' WHEN g % 100 < 98 THEN 'FAIL'
                     WHEN g % 100 < 99 THEN 'RUNNING' ELSE 'WAITING' END""";
        jdbc.update("""
                INSERT INTO trials (experiment_id, number, template, state, worker_id, heartbeat_at, attempts,
                                    started_at, finished_at, cpu_seconds, objective_value, best_epoch)
                SELECT ?, ? + g, CASE WHEN g % 2 = 0 THEN 'Clarifai_ResNet' ELSE 'Clarifai_ResNext' END, s.state,
                       CASE WHEN s.state = 'WAITING' THEN NULL ELSE 'w' || (g % 100) END,
                       CASE WHEN s.state = 'WAITING' THEN NULL ELSE now() END,
                       CASE WHEN s.state = 'WAITING' THEN 0 ELSE 1 END,
                       CASE WHEN s.state = 'WAITING' THEN NULL ELSE now() - interval '1 hour' END,
                       CASE WHEN s.state IN ('COMPLETE', 'PRUNED', 'FAIL') THEN now() END,
                       CASE WHEN s.state IN ('COMPLETE', 'PRUNED', 'FAIL') THEN 600 * random() END,
                       CASE WHEN s.state = 'COMPLETE' THEN 0.5 + 0.5 * random() END,
                       CASE WHEN s.state = 'COMPLETE' THEN (random() * 99)::int END
                FROM generate_series(0, ? - 1) g, LATERAL (SELECT STATE AS state) s""".replace("STATE", state),
                experimentId, base, count);
        jdbc.update("""
                INSERT INTO trial_params (trial_id, name, value_json, internal_value, distribution_json)
                SELECT t.id, p.name, to_jsonb(p.v), p.v, p.d::jsonb FROM trials t,
                LATERAL (VALUES ('lr', 0.001 * (1 + t.number % 100), ?), ('optimizer', (t.number % 2)::float8, ?))
                    AS p(name, v, d)
                WHERE t.experiment_id = ? AND t.number >= ?""", FLOAT_DISTRIBUTION, CHOICE_DISTRIBUTION,
                experimentId, base);
    }

    /** Every trial of the experiment gets {@code epochs} metric rows, streamed to COPY ... FROM STDIN. */
    private long copyMetrics(long experimentId, int epochs) throws SQLException {
        List<Long> ids = jdbc.queryForList("SELECT id FROM trials WHERE experiment_id = ? ORDER BY id", Long.class,
                experimentId);
        DataSource dataSource = app.getBean(DataSource.class);
        Random random = new Random(7);
        try (Connection c = dataSource.getConnection()) {
            CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY trial_metrics (trial_id, epoch,"
                    + " train_loss, val_loss, val_accuracy, val_macro_f1, learning_rate, images_per_second, recorded_at)"
                    + " FROM STDIN WITH (FORMAT csv)");
            StringBuilder csv = new StringBuilder(1 << 20);
            for (long id : ids) {
                double skill = random.nextDouble();
                for (int ep = 0; ep < epochs; ep++) {
                    double progress = (ep + 1.0) / epochs;
                    csv.append(id).append(',').append(ep).append(',')
                            .append(2.3 * (1 - progress * skill)).append(',')
                            .append(2.4 * (1 - progress * skill * 0.9)).append(',')
                            .append(0.1 + 0.85 * progress * skill).append(',')
                            .append(0.08 + 0.85 * progress * skill).append(',')
                            .append(0.1 * Math.pow(0.97, ep)).append(',')
                            .append(250 + random.nextInt(50)).append(",2026-01-01 00:00:00+00\n");
                }
                if (csv.length() > (1 << 20) - 4096) {
                    byte[] bytes = csv.toString().getBytes(StandardCharsets.US_ASCII);
                    copy.writeToCopy(bytes, 0, bytes.length);
                    csv.setLength(0);
                }
            }
            byte[] bytes = csv.toString().getBytes(StandardCharsets.US_ASCII);
            copy.writeToCopy(bytes, 0, bytes.length);
            return copy.endCopy();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static double percentile(List<Long> nanos, int p) {
        if (nanos.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(nanos);
        sorted.sort(Comparator.naturalOrder());
        int index = Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
        return sorted.get(index) / 1e6;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Command-line options; {@link #parse} prints usage and returns null for --help. */
    private record Options(int[] workers, int seconds, int epochsPerClaim, int smallExperiments, int trials, int epochs,
                           int repeats, Path home) {

        static Options parse(String[] args) {
            int[] workers = {1, 8, 32, 100};
            int seconds = 5;
            int epochsPerClaim = 20;
            int smallExperiments = 500;
            int trials = 10_000;
            int epochs = 100;
            int repeats = 30;
            Path home = null;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--workers" -> workers = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--seconds" -> seconds = Integer.parseInt(value);
                    case "--epochs-per-claim" -> epochsPerClaim = Integer.parseInt(value);
                    case "--small-experiments" -> smallExperiments = Integer.parseInt(value);
                    case "--trials" -> trials = Integer.parseInt(value);
                    case "--epochs" -> epochs = Integer.parseInt(value);
                    case "--repeats" -> repeats = Integer.parseInt(value);
                    case "--home" -> home = Path.of(value);
                    case "-h", "--help" -> {
                        System.out.println("""
                                bench/storage [--workers 1,8,32,100] [--seconds 5] [--epochs-per-claim 20]
                                              [--small-experiments 500] [--trials 10000] [--epochs 100]
                                              [--repeats 30] [--home DIR (kept; default: a temp dir, deleted)]""");
                        return null;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (try --help)");
                }
                i++;
            }
            return new Options(workers, seconds, epochsPerClaim, smallExperiments, trials, epochs, repeats, home);
        }
    }
}
