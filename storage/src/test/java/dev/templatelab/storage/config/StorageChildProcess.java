package dev.templatelab.storage.config;

import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.testapp.StorageTestApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Run in a child JVM by {@link CrashRecoveryTest} and {@link GracefulStopTest}: opens storage on {@code args[0]} as
 * TEMPLATELAB_HOME, registers a dataset named {@code args[1]}, prints READY and waits to be killed. With a third
 * argument, registers a dataset of that name while the context closes (after a pause), as a stopping worker hands
 * its trial back.
 */
public final class StorageChildProcess {

    private StorageChildProcess() {
    }

    public static void main(String[] args) throws InterruptedException {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(StorageTestApplication.class);
        if (args.length > 2) {
            builder.listeners((ApplicationListener<ContextClosedEvent>) closed -> {
                try {
                    Thread.sleep(3000);   // longer than PostgreSQL takes to stop (fast mode)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                register(closed.getApplicationContext().getBean(DatasetService.class), args[2]);
                System.out.println("WROTE WHILE STOPPING");
                System.out.flush();
            });
        }
        ConfigurableApplicationContext app = builder.run("--TEMPLATELAB_HOME=" + args[0], "--DATABASE_URL=");
        register(app.getBean(DatasetService.class), args[1]);
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Starts this class in a child JVM on {@code home} and waits (up to two minutes) until it printed READY. */
    static Process startAndAwaitReady(Path home, String... names) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), StorageChildProcess.class.getName(),
                home.toString()));
        command.addAll(List.of(names));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread drain = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                for (String line; (line = out.readLine()) != null; ) {   // keep draining until the child dies
                    if (line.equals("READY")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
            ready.complete(false);
        });
        drain.setDaemon(true);
        drain.start();
        try {
            assertThat(ready.get(120, TimeUnit.SECONDS)).as("child started storage").isTrue();
        } catch (Exception | AssertionError e) {
            child.destroyForcibly();
            throw e;
        }
        return child;
    }

    private static void register(DatasetService datasets, String name) {
        datasets.register(new NewDataset(name, List.of("a"), 1, Map.of("a", 1), null, URI.create("file:///" + name)));
    }
}
