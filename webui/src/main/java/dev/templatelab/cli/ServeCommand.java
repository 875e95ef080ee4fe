package dev.templatelab.cli;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.web.TemplateLabWebApp;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code templatelab serve}: the web UI and REST API, embedded PostgreSQL and the local workers, on one machine. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Starts the web UI and REST API (http://localhost:8080 by default) with the local worker pool.",
                "Data lives in TEMPLATELAB_HOME (embedded PostgreSQL unless DATABASE_URL is set).",
                "The first start creates user 'admin' with TEMPLATELAB_ADMIN_PASSWORD or a generated password it prints."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", description = "HTTP port (default: SERVER_PORT or 8080)")
    Integer port;

    @Option(names = "--workers", description = "Trials trained at once by this process (default: 1; 0 = none, "
            + "for a UI-only node)")
    Integer workers;

    @Override
    public Integer call() throws InterruptedException {
        if (port != null && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException("--port must be 0-65535, got " + port);
        }
        if (workers != null && workers < 0) {
            throw new IllegalArgumentException("--workers must be >= 0, got " + workers);
        }
        // As command-line properties, so they win over application.properties and the environment.
        List<String> args = new ArrayList<>();
        if (port != null) {
            args.add("--server.port=" + port);
        }
        if (workers != null) {
            args.add("--templatelab.workers=" + workers);
        }
        // The local workers' trial lines ("trial ... started/ended", experiment= and trial= keys) at info, as a
        // worker logs them: serve's log is where they are looked for. slf4j-simple reads a logger's level when the
        // logger is made, which is when the context loads the workers' classes, after this.
        logAsAService();
        ConfigurableApplicationContext context = start(args.toArray(String[]::new));
        CountDownLatch closed = new CountDownLatch(1);
        context.addApplicationListener(event -> {
            if (event instanceof ContextClosedEvent) {
                closed.countDown();
            }
        });
        int actualPort = ((WebServerApplicationContext) context).getWebServer().getPort();
        System.out.println("TemplateLab is running at http://localhost:" + actualPort + " (Ctrl-C stops it)");
        System.out.println("backend: " + Nd4jRuntime.summaryLine());
        closed.await();   // main() exits the JVM when this returns
        return 0;
    }

    static final String TUNING_LOG_LEVEL = "org.slf4j.simpleLogger.log.dev.templatelab.tuning";
    static final String SHOW_DATE_TIME = "org.slf4j.simpleLogger.showDateTime";

    /**
     * A long-running process's log is its record (serve and worker): the tuning workers' trial lines at info, and
     * every line with its date and time, unless a -D setting says otherwise. slf4j-simple reads the format once, when
     * the first logger is made: before the context starts.
     */
    static void logAsAService() {
        System.setProperty(TUNING_LOG_LEVEL, System.getProperty(TUNING_LOG_LEVEL, "info"));
        System.setProperty(SHOW_DATE_TIME, System.getProperty(SHOW_DATE_TIME, "true"));
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat",
                System.getProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ"));
    }

    /**
     * Starts the web app; a failed start is left to the one {@code error:} line {@link TemplateLabCli} prints, not
     * logged by Spring Boot too (its report and the stack trace: {@link QuietStartupFailures}). A port in use says
     * which, and how to pick another.
     */
    private static ConfigurableApplicationContext start(String[] args) {
        try {
            return TemplateLabWebApp.start(Map.of(QuietStartupFailures.PROPERTY, true), args);
        } catch (RuntimeException failed) {
            for (Throwable t = failed; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof PortInUseException inUse) {
                    throw new IllegalStateException("port " + inUse.getPort() + " is already in use by another "
                            + "process; stop it, or give serve another port with --port P (or SERVER_PORT=P)", failed);
                }
            }
            throw failed;
        }
    }
}
