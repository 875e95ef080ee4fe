package dev.templatelab.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.cli.TemplateLabCli;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.testdata.TinyDigits;
import dev.templatelab.web.TemplateLabWebApp;
import dev.templatelab.web.datasets.DatasetImports;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

/**
 * The scale-out setup on one machine, without containers: one PostgreSQL, the server (web app, no local
 * workers) and N {@code templatelab worker} processes, which see the dataset only through its copy in the artifact
 * store (its folder is moved away before they start). An experiment is launched through the REST API and
 * timed from launch to COMPLETE. Used by {@code ScaleOutTest} (CI) and {@code ScaleBench} (bench/scale).
 */
public final class ScaleOutRun {

    public static final String TEMPLATE = "Clarifai_InceptionV2";
    private static final String ADMIN_PASSWORD = "scale-admin-1";

    /**
     * What the experiment trains: {@code trials} trials of {@code epochs} epochs on {@code perClass} digits of each of
     * two classes at {@code imageSize} px and width multiplier {@code width}.
     */
    public record Workload(int trials, int perClass, int epochs, int imageSize, double width) {
        /** ScaleOutTest's: 12 one-epoch trials of 1-3 s each on 24 images. */
        public static final Workload SHORT = new Workload(12, 12, 1, 32, 0.125);
        /** Trials where training, not the per-trial fixed cost, dominates (~10-30 s each on an idle core). */
        public static final Workload REALISTIC = new Workload(12, 60, 2, 64, 0.25);

        public Workload {
            if (trials < 1 || perClass < 4 || epochs < 1 || imageSize < 16 || width <= 0) {
                throw new IllegalArgumentException("workload needs trials >= 1, perClass >= 4, epochs >= 1, "
                        + "imageSize >= 16 and width > 0; got " + this);
            }
        }

        String describe() {
            return String.format(Locale.ROOT, "%d trials x %d epoch(s), %s at %d px, width %s, %d images", trials,
                    epochs, TEMPLATE, imageSize, width, 2 * perClass);
        }
    }

    /**
     * How one run went: wall time from launch to COMPLETE, the trials each worker finished, the mean wall time of a
     * completed trial (from the database's start and finish times) and the ND4J threads each worker used.
     */
    public record Result(int workers, int trials, String state, long completed, double seconds,
                         Map<String, Long> trialsPerWorker, double meanTrialSeconds, int nd4jThreadsPerWorker) {
        public double trialsPerHour() {
            return completed * 3600.0 / seconds;
        }
    }

    private ScaleOutRun() {
    }

    /**
     * Runs the workload on {@code workers} worker processes, each with {@code nd4jThreads} native threads (0: this
     * machine's cores shared among the workers, at least one each, as the README advises).
     */
    public static Result run(Path dir, int workers, Workload work, int nd4jThreads, Duration timeout) throws Exception {
        int threads = nd4jThreads > 0 ? nd4jThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
        Path data = TinyDigits.write(dir.resolve("data"), 2, work.perClass());
        Path artifacts = dir.resolve("artifacts");
        List<Process> processes = new ArrayList<>();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            String url = postgres.getJdbcUrl("postgres", "postgres");
            // As command-line arguments: they win over application.properties (default properties would not).
            try (ConfigurableApplicationContext server = TemplateLabWebApp.start(Map.of(), "--server.port=0",
                    "--DATABASE_URL=" + url, "--TEMPLATELAB_HOME=" + dir.resolve("server-home"),
                    "--templatelab.artifacts.root=" + artifacts, "--templatelab.workers=0",
                    "--templatelab.sample-dataset=false", "--TEMPLATELAB_ADMIN_PASSWORD=" + ADMIN_PASSWORD)) {
                int port = ((WebServerApplicationContext) server).getWebServer().getPort();
                // Uploaded as through the web UI: with DATABASE_URL set, the upload is copied into the artifact store.
                DatasetInfo uploaded = server.getBean(DatasetImports.class)
                        .importZip("scale-digits", "digits.zip", zip(data, dir.resolve("digits.zip"))).dataset();
                if (uploaded.bundle() == null) {
                    throw new IllegalStateException("the upload was not copied into the artifact store");
                }
                long dataset = uploaded.id();
                // As on machines that share only the database and the artifact store: the workers see no dataset
                // folder (the server's is moved away) and train on the copy.
                Files.move(Path.of(uploaded.storageUri()), dir.resolve("data-elsewhere"));
                for (int i = 1; i <= workers; i++) {
                    processes.add(startWorker(dir, url, artifacts, "w" + i, threads));
                }
                for (int i = 1; i <= workers; i++) {
                    awaitReady(dir.resolve("worker-w" + i + ".log"), processes.get(i - 1), timeout);
                }
                long started = System.nanoTime();
                long id = launch(port, dataset, work, workers);
                String state = awaitEnd(port, id, started, timeout);
                double seconds = (System.nanoTime() - started) / 1e9;
                List<TrialInfo> all = server.getBean(TrialService.class)
                        .page(id, null, Pageable.unpaged(Sort.by("number"))).getContent();
                long completed = all.stream().filter(t -> t.state().name().equals("COMPLETE")).count();
                Map<String, Long> perWorker = all.stream().filter(t -> t.workerId() != null)
                        .collect(Collectors.groupingBy(TrialInfo::workerId, TreeMap::new, Collectors.counting()));
                double meanTrial = all.stream().filter(t -> t.startedAt() != null && t.finishedAt() != null)
                        .mapToDouble(t -> Duration.between(t.startedAt(), t.finishedAt()).toMillis() / 1000.0)
                        .average().orElse(Double.NaN);
                return new Result(workers, all.size(), state, completed, seconds, perWorker, meanTrial, threads);
            }
        } finally {
            for (Process p : processes) {
                p.destroy();   // SIGTERM: a worker hands its trial back
            }
            for (Process p : processes) {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** A zip of {@code folder}'s files under their relative names, as a user would upload it. */
    private static Path zip(Path folder, Path zip) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip)); Stream<Path> files = Files.walk(folder)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new ZipEntry(folder.relativize(f).toString()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return zip;
    }

    private static Process startWorker(Path dir, String url, Path artifacts, String id, int nd4jThreads)
            throws IOException {
        ProcessBuilder worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Duser.home=" + dir.resolve("home-" + id), "-Dtemplatelab.tuning.poll-interval=300ms",
                "-cp", System.getProperty("java.class.path"), TemplateLabCli.class.getName(), "worker",
                "--db", url, "--artifacts", artifacts.toString(), "--id", id, "--nd4j-threads", String.valueOf(nd4jThreads))
                .redirectErrorStream(true).redirectOutput(dir.resolve("worker-" + id + ".log").toFile());
        worker.environment().remove("OMP_NUM_THREADS");   // --nd4j-threads decides, not this shell's setting
        return worker.start();
    }

    private static void awaitReady(Path log, Process worker, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(log) || !Files.readString(log).contains("waiting for trials")) {
            if (!worker.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("worker did not start; its log " + log + ":\n"
                        + (Files.exists(log) ? Files.readString(log) : "(none)"));
            }
            Thread.sleep(200);
        }
    }

    private static long launch(int port, long dataset, Workload work, int parallelism) throws Exception {
        String body = String.format(Locale.ROOT, "{\"name\":\"scale-%d\",\"datasetId\":%d,\"templates\":[\"%s\"],"
                + "\"sampler\":\"random\",\"pruner\":\"none\",\"maxTrials\":%d,\"maxEpochsPerTrial\":%d,"
                + "\"parallelism\":%d,\"objective\":\"accuracy\",\"allowRandomInit\":true,\"seed\":7,"
                + "\"searchSpace\":{\"image_size\":%d,\"width_multiplier\":%s,\"batch_size\":16,"
                + "\"validation_fraction\":0.3}}", parallelism, dataset, TEMPLATE, work.trials(), work.epochs(),
                parallelism, work.imageSize(), work.width());
        HttpResponse<String> r = http(port, HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/experiments"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        if (r.statusCode() != 201) {
            throw new IllegalStateException("launch refused: " + r.statusCode() + " " + r.body());
        }
        return new ObjectMapper().readTree(r.body()).get("id").asLong();
    }

    private static String awaitEnd(int port, long id, long started, Duration timeout) throws Exception {
        while (true) {
            HttpResponse<String> r = http(port, HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/api/experiments/" + id)).GET());
            JsonNode e = new ObjectMapper().readTree(r.body());
            String state = e.get("state").asText();
            if (!state.equals("QUEUED") && !state.equals("RUNNING")) {
                return state;
            }
            if (System.nanoTime() - started > timeout.toNanos()) {
                throw new IllegalStateException("experiment " + id + " still " + state + " after " + timeout + ": " + e);
            }
            Thread.sleep(250);
        }
    }

    private static HttpResponse<String> http(int port, HttpRequest.Builder request) throws Exception {
        String auth = Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        return HttpClient.newHttpClient().send(request.header("Authorization", "Basic " + auth).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
