package dev.templatelab.tuning.execution;

import dev.templatelab.storage.config.StorageConfiguration;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import org.springframework.core.env.Environment;

/**
 * How workers behave, from Spring properties (or the matching environment variables):
 * {@code templatelab.workers} (TEMPLATELAB_WORKERS, trials run at once by this process, default 0),
 * {@code templatelab.worker.id} (default host-pid), {@code templatelab.tuning.heartbeat-interval} (5s),
 * {@code templatelab.tuning.heartbeat-grace} (silence after which another worker takes a trial over, 30s),
 * {@code templatelab.tuning.poll-interval} (how often an idle worker looks for work, 2s),
 * {@code templatelab.worker.nd4j-threads} (TEMPLATELAB_WORKER_ND4J_THREADS, native threads per trial; 0, the
 * default, shares the machine's cores among this process's trials, see {@link NativeThreads}),
 * {@code templatelab.worker.skip-unreadable-datasets} (true in {@code worker} processes, which may run on machines
 * without a dataset's folder: they leave such experiments to other workers; false in the server and {@code tune},
 * where an unreadable dataset is gone and its trials fail saying so),
 * {@code templatelab.tuning.retry-delay} (how long a trial that failed with an error waits before it may be claimed
 * again, 5s; four times that after its second failure, see {@link #retryDelayAfter}).
 */
public record WorkerSettings(int workers, String workerId, Duration heartbeatInterval, Duration heartbeatGrace,
                             Duration pollInterval, int nd4jThreads, boolean skipsUnreadableDatasets,
                             Duration retryDelay) {

    /** The wait before a failed trial's first retry (env {@code TEMPLATELAB_TUNING_RETRY_DELAY}); 0 retries at once. */
    public static final String RETRY_DELAY_PROPERTY = "templatelab.tuning.retry-delay";

    /** Trials this process trains at once (env {@code TEMPLATELAB_WORKERS}). */
    public static final String WORKERS_PROPERTY = "templatelab.workers";
    /** This worker's name in the database (env {@code TEMPLATELAB_WORKER_ID}). */
    public static final String WORKER_ID_PROPERTY = "templatelab.worker.id";
    /** Native (ND4J/BLAS/OpenMP) threads each trial may use; 0 = cores / trials at once (env {@code TEMPLATELAB_WORKER_ND4J_THREADS}). */
    public static final String ND4J_THREADS_PROPERTY = "templatelab.worker.nd4j-threads";
    /** Whether this process's workers skip experiments whose dataset they cannot read. */
    public static final String SKIP_UNREADABLE_DATASETS_PROPERTY = "templatelab.worker.skip-unreadable-datasets";

    /**
     * Whether launches and uploads copy datasets and pretrained weights into the artifact store for workers on other
     * machines (env {@code TEMPLATELAB_SHIP_TO_WORKERS}): true or false; unset, true exactly when {@code DATABASE_URL}
     * is set, since the embedded database takes connections from this machine only, whose workers read the originals.
     */
    public static final String SHIP_TO_WORKERS_PROPERTY = "templatelab.ship-to-workers";

    /** {@link #SHIP_TO_WORKERS_PROPERTY} as this process sees it. */
    public static boolean shipsToWorkers(Environment env) {
        String setting = env.getProperty(SHIP_TO_WORKERS_PROPERTY, "").trim();
        if (setting.isEmpty()) {
            return !env.getProperty(StorageConfiguration.DATABASE_URL, "").isBlank();
        }
        if (!setting.equalsIgnoreCase("true") && !setting.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("TEMPLATELAB_SHIP_TO_WORKERS must be true or false (or unset: true with "
                    + "DATABASE_URL), got '" + setting + "'");
        }
        return Boolean.parseBoolean(setting);
    }

    public WorkerSettings {
        if (workers < 0) {
            throw new IllegalArgumentException("templatelab.workers must be >= 0, got " + workers);
        }
        if (nd4jThreads < 0) {
            throw new IllegalArgumentException(ND4J_THREADS_PROPERTY + " must be >= 0 (0 = share the cores), got "
                    + nd4jThreads);
        }
        if (retryDelay.isNegative()) {
            throw new IllegalArgumentException(RETRY_DELAY_PROPERTY + " must not be negative, got " + retryDelay);
        }
        if (heartbeatGrace.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("the heartbeat grace (" + heartbeatGrace + ") must be at least twice "
                    + "the heartbeat interval (" + heartbeatInterval + "), or live trials would be taken over");
        }
    }

    public static WorkerSettings from(Environment env) {
        String id = env.getProperty(WORKER_ID_PROPERTY, "");
        return new WorkerSettings(setting(env, WORKERS_PROPERTY, Integer.class, 0, "a whole number"),
                id.isBlank() ? defaultId() : id,
                setting(env, "templatelab.tuning.heartbeat-interval", Duration.class, Duration.ofSeconds(5), "a duration"),
                setting(env, "templatelab.tuning.heartbeat-grace", Duration.class, Duration.ofSeconds(30), "a duration"),
                setting(env, "templatelab.tuning.poll-interval", Duration.class, Duration.ofSeconds(2), "a duration"),
                setting(env, ND4J_THREADS_PROPERTY, Integer.class, 0, "a whole number"),
                setting(env, SKIP_UNREADABLE_DATASETS_PROPERTY, Boolean.class, false, "true or false"),
                setting(env, RETRY_DELAY_PROPERTY, Duration.class, Duration.ofSeconds(5), "a duration"));
    }

    /**
     * How long a trial that failed its {@code attempt}-th attempt waits before another worker may claim it: the
     * retry delay, four times longer after each further failure (5 s, 20 s, ...), so a fault that passes (a file not
     * there yet, a busy disk) does not use up every attempt within a second.
     */
    public Duration retryDelayAfter(int attempt) {
        return retryDelay.multipliedBy((long) Math.pow(4, Math.max(0, Math.min(attempt - 1, 10))));
    }

    /** A setting, or an error naming it (and its environment variable) instead of Spring's "For input string". */
    private static <T> T setting(Environment env, String name, Class<T> type, T otherwise, String expected) {
        try {
            return env.getProperty(name, type, otherwise);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + " (environment variable "
                    + name.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_') + ") must be "
                    + expected + (type == Duration.class ? " such as 5s or 500ms" : "") + ", got '"
                    + env.getProperty(name) + "'", e);
        }
    }

    /** Native threads each of this process's trials uses, or 0 for ND4J's default (see {@link NativeThreads#perTrial}). */
    public int nd4jThreadsPerTrial() {
        return NativeThreads.perTrial(nd4jThreads, workers, Runtime.getRuntime().availableProcessors(),
                System.getenv("OMP_NUM_THREADS"));
    }

    private static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "worker";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
