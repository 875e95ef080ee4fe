package dev.templatelab.settings;

import dev.templatelab.storage.config.StorageConfiguration;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.tuning.execution.WorkerSettings;
import dev.templatelab.web.security.FirstAdmin;

/**
 * Every environment variable the application reads, with the property it becomes inside the app (Spring's
 * relaxed binding: {@code TEMPLATELAB_ARTIFACTS_ROOT} is {@code templatelab.artifacts.root}). Containers are
 * configured only through these; {@code ComposeFileTest} checks docker/compose.yaml against this list and
 * docker/README.md documents it. The property names are the constants the reading code uses.
 */
public enum EnvironmentVariable {
    DATABASE_URL(StorageConfiguration.DATABASE_URL,
            "PostgreSQL to use: `jdbc:postgresql://host:5432/db` or `postgres://user:pw@host/db`. Blank: embedded PostgreSQL under `TEMPLATELAB_HOME/postgres`."),
    DATABASE_USER(StorageConfiguration.DATABASE_USER, "Database user (wins over one in the URL)."),
    DATABASE_PASSWORD(StorageConfiguration.DATABASE_PASSWORD, "Database password (wins over one in the URL)."),
    TEMPLATELAB_HOME(StorageLocations.HOME_PROPERTY,
            "Folder for datasets, pretrained weights and the embedded database (default `~/.templatelab`)."),
    TEMPLATELAB_ARTIFACTS_ROOT(StorageLocations.ARTIFACTS_ROOT_PROPERTY,
            "Checkpoint, dataset and weights store shared by server and workers (default `TEMPLATELAB_HOME/artifacts`); a process refuses to start on one it cannot write or that is not the database's store."),
    TEMPLATELAB_SHIP_TO_WORKERS(WorkerSettings.SHIP_TO_WORKERS_PROPERTY,
            "`true`: uploads and launches copy datasets and pretrained weights into the artifact store, so workers on other machines need no dataset folder or weights of their own. `false`: every worker needs them at the same path. Unset: `true` exactly when `DATABASE_URL` is set."),
    TEMPLATELAB_WORKERS(WorkerSettings.WORKERS_PROPERTY,
            "Trials this process trains at once; `serve` defaults to 1, `worker` to its `--threads` (1); 0 = UI/API only."),
    TEMPLATELAB_WORKER_ID(WorkerSettings.WORKER_ID_PROPERTY, "A worker's name in the database (default host-pid)."),
    TEMPLATELAB_TUNING_RETRY_DELAY(WorkerSettings.RETRY_DELAY_PROPERTY,
            "Wait before a trial that failed with an error may be claimed again (default 5s; four times longer after each further failure)."),
    TEMPLATELAB_WORKER_ND4J_THREADS(WorkerSettings.ND4J_THREADS_PROPERTY,
            "Native (ND4J) threads per trial; default all cores, shared among the process's trials. Set it when several workers share a machine."),
    TEMPLATELAB_ADMIN_PASSWORD(FirstAdmin.PASSWORD_VARIABLE,
            "Password of user `admin`, created at the first start (at least 8 characters: a shorter one stops the start); if unset, a generated one is printed once."),
    SERVER_PORT("server.port", "HTTP port of `serve` (default 8080).");

    private final String property;
    private final String description;

    EnvironmentVariable(String property, String description) {
        this.property = property;
        this.description = description;
    }

    /** The name the application looks up (a Spring property, or the variable's own name). */
    public String property() {
        return property;
    }

    public String description() {
        return description;
    }
}
