package dev.templatelab.cli;

import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.storage.artifacts.LocalArtifactStore;
import dev.templatelab.storage.config.DatabaseUrl;
import dev.templatelab.storage.config.StorageConfiguration;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.tuning.execution.WorkerSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Joins the experiments of a database as a worker until stopped (SIGTERM/Ctrl-C releases its trial). */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run trials of any experiment in the database; more workers, more trials in parallel.")
final class WorkerCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--db", description = "PostgreSQL URL (jdbc:postgresql://host/db or postgres://user:pw@host/db); "
            + "default: the embedded database under TEMPLATELAB_HOME, which no server on another machine sees.")
    String db;

    @Option(names = "--artifacts", description = "The server's artifact store folder, shared at the same path (default "
            + "TEMPLATELAB_HOME/artifacts); one this user cannot write, or another store than the database's, is refused.")
    Path artifacts;

    @Option(names = "--id", description = "Worker name in the database (default host-pid).")
    String id;

    @Option(names = "--threads", defaultValue = "1", description = "Trials this process runs at once (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--nd4j-threads", description = "Native (ND4J) threads each trial may use; default: all cores, "
            + "shared among --threads. Set it when several workers share one machine, e.g. 1 each for 2 workers on 2 cores.")
    Integer nd4jThreads;

    @Override
    public Integer call() throws Exception {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        if (nd4jThreads != null && nd4jThreads < 1) {
            throw new IllegalArgumentException("--nd4j-threads must be at least 1, got " + nd4jThreads);
        }
        // A worker's log is its record: trial lines (experiment=, trial= keys) at info, with timestamps.
        ServeCommand.logAsAService();
        Map<String, Object> props = new HashMap<>();
        // This machine may lack a dataset's folder: leave such experiments to the workers that have it.
        props.put(WorkerSettings.SKIP_UNREADABLE_DATASETS_PROPERTY, true);
        if (artifacts != null) {
            // Before the database starts, so a folder that cannot be written is refused at once (creating it if its
            // parent allows: a mistyped one is then refused as empty, once the database says which store it expects).
            new LocalArtifactStore(artifacts).checkWritable();
            props.put("templatelab.artifacts.root", artifacts.toAbsolutePath().toString());
        }
        if (id != null && !id.isBlank()) {
            props.put("templatelab.worker.id", id);
        }
        if (nd4jThreads != null) {
            props.put(WorkerSettings.ND4J_THREADS_PROPERTY, nd4jThreads);
        }
        CountDownLatch closed = new CountDownLatch(1);
        ConfigurableApplicationContext context = TuningCli.start(db, threads, props);
        context.addApplicationListener(event -> {
            if (event instanceof ContextClosedEvent) {
                closed.countDown();
            }
        });
        // TEMPLATELAB_WORKERS (a container's setting) beats --threads' default: say what this process really runs.
        WorkerSettings settings = WorkerSettings.from(context.getEnvironment());
        int running = settings.workers();
        if (running < 1) {
            context.close();
            throw new IllegalArgumentException("TEMPLATELAB_WORKERS=" + running + " leaves this worker no thread to run "
                    + "trials; unset it, or set it to the trials this process should run at once");
        }
        StorageLocations locations = context.getBean(StorageLocations.class);
        String url = context.getEnvironment().getProperty(StorageConfiguration.DATABASE_URL, "");
        PrintWriter err = command.commandLine().getErr();
        err.println("backend: " + Nd4jRuntime.summaryLine());
        // Which database and store it joined: a worker on the wrong ones runs nothing of the server's, silently.
        err.printf("worker %s joined %s (artifact store %s): %d thread(s) waiting for trials; Ctrl-C or SIGTERM stops "
                        + "after the current minibatch and hands the trial back%n", settings.workerId(),
                url.isBlank() ? "the embedded database under " + locations.home()
                        : DatabaseUrl.parse(url, null, null).redactedJdbcUrl(),
                locations.artifacts(), running);
        if (url.isBlank()) {
            err.println("warning: no --db or DATABASE_URL, so this worker uses the embedded database under "
                    + locations.home() + ", which no server on another machine sees: it runs only experiments launched "
                    + "on this machine with this TEMPLATELAB_HOME (by serve or tune). To help a server, give --db its "
                    + "PostgreSQL URL and --artifacts its shared artifact folder");
        }
        err.flush();
        closed.await();
        return 0;
    }
}
