package dev.templatelab.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.cli.TemplateLabCli;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.testdata.TinyDigits;
import dev.templatelab.web.TemplateLabWebApp;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

/**
 * The scale-out setup on one machine, without containers: one PostgreSQL, the server (web app, no local
 * workers) and N {@code templatelab worker} processes. An experiment is launched through the REST API and
 * timed from launch to COMPLETE. Used by {@code ScaleOutTest} (CI) and {@code ScaleBench} (bench/scale).
 */
public final class ScaleOutRun {

    public static final String TEMPLATE = "Clarifai_InceptionV2";
    private static final String ADMIN_PASSWORD = "scale-admin-1";

    /** How one run went: wall time from launch to COMPLETE and the trials each worker finished. */
    public record Result(int workers, int trials, String state, long completed, double seconds,
                         Map<String, Long> trialsPerWorker) {
        public double trialsPerHour() {
            return completed * 3600.0 / seconds;
        }
    }

    private ScaleOutRun() {
    }

    /** Runs {@code trials} one-epoch trials of a tiny Inception-v2 on {@code workers} worker processes. */
    public static Result run(Path dir, int workers, int trials, int perClass, Duration timeout) throws Exception {
        Path data = TinyDigits.write(dir.resolve("data"), 2, perClass);
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
                long dataset = server.getBean(DatasetService.class).register(new NewDataset("scale-digits",
                        List.of("0", "1"), 2 * perClass, Map.of(), null, data.toUri())).id();
                for (int i = 1; i <= workers; i++) {
                    processes.add(startWorker(dir, url, artifacts, "w" + i));
                }
                for (int i = 1; i <= workers; i++) {
                    awaitReady(dir.resolve("worker-w" + i + ".log"), processes.get(i - 1), timeout);
                }
                long started = System.nanoTime();
                long id = launch(port, dataset, trials, workers);
                String state = awaitEnd(port, id, started, timeout);
                double seconds = (System.nanoTime() - started) / 1e9;
                List<TrialInfo> all = server.getBean(TrialService.class)
                        .page(id, null, Pageable.unpaged(Sort.by("number"))).getContent();
                long completed = all.stream().filter(t -> t.state().name().equals("COMPLETE")).count();
                Map<String, Long> perWorker = all.stream().filter(t -> t.workerId() != null)
                        .collect(Collectors.groupingBy(TrialInfo::workerId, TreeMap::new, Collectors.counting()));
                return new Result(workers, all.size(), state, completed, seconds, perWorker);
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

    private static Process startWorker(Path dir, String url, Path artifacts, String id) throws IOException {
        ProcessBuilder worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Duser.home=" + dir.resolve("home-" + id), "-Dtemplatelab.tuning.poll-interval=300ms",
                "-cp", System.getProperty("java.class.path"), TemplateLabCli.class.getName(), "worker",
                "--db", url, "--artifacts", artifacts.toString(), "--id", id)
                .redirectErrorStream(true).redirectOutput(dir.resolve("worker-" + id + ".log").toFile());
        // ND4J's native threads per worker (OMP_NUM_THREADS); unset = all cores in every worker process.
        String threads = System.getProperty("templatelab.scale.worker-threads");
        if (threads != null) {
            worker.environment().put("OMP_NUM_THREADS", threads);
        }
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

    private static long launch(int port, long dataset, int trials, int parallelism) throws Exception {
        String body = "{\"name\":\"scale-" + parallelism + "\",\"datasetId\":" + dataset + ",\"templates\":[\""
                + TEMPLATE + "\"],\"sampler\":\"random\",\"pruner\":\"none\",\"maxTrials\":" + trials
                + ",\"maxEpochsPerTrial\":1,\"parallelism\":" + parallelism + ",\"objective\":\"accuracy\","
                + "\"allowRandomInit\":true,\"seed\":7,\"searchSpace\":{\"image_size\":32,\"width_multiplier\":0.125,"
                + "\"batch_size\":16,\"validation_fraction\":0.3}}";
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
