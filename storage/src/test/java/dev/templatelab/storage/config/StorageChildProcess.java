package dev.templatelab.storage.config;

import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.testapp.StorageTestApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Run in a child JVM by {@link CrashRecoveryTest}: opens storage on {@code args[0]} as
 * TEMPLATELAB_HOME, registers a dataset named {@code args[1]}, prints READY and waits to be killed.
 */
public final class StorageChildProcess {

    private StorageChildProcess() {
    }

    public static void main(String[] args) throws InterruptedException {
        ConfigurableApplicationContext app = new SpringApplicationBuilder(StorageTestApplication.class)
                .run("--TEMPLATELAB_HOME=" + args[0], "--DATABASE_URL=");
        app.getBean(DatasetService.class).register(new NewDataset(args[1], List.of("a"), 1, Map.of("a", 1), null,
                URI.create("file:///d")));
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
