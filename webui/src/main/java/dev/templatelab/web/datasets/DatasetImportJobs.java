package dev.templatelab.web.datasets;

import dev.templatelab.storage.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Dataset imports started through the REST API that run after the request returned: a large zip takes minutes to
 * check, longer than a client should hold a request open, and it can then be watched and stopped. The jobs live in
 * this server process only (an import cannot outlive it: what a stopped server left is swept at its next start), and
 * ended ones are forgotten after {@link #KEPT_AFTER_END}.
 */
@Service
public class DatasetImportJobs {

    private static final Logger log = LoggerFactory.getLogger(DatasetImportJobs.class);
    /** How long an ended import's outcome stays readable. */
    static final Duration KEPT_AFTER_END = Duration.ofHours(1);

    private final DatasetImports imports;
    private final Map<Long, ImportJob> jobs = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    volatile Clock clock = Clock.systemUTC();
    /** Where imports run: a thread of their own each (tests run them where they like). */
    volatile Executor runner = task -> {
        Thread thread = new Thread(task, "dataset-import");
        thread.setDaemon(true);
        thread.start();
    };

    DatasetImportJobs(DatasetImports imports) {
        this.imports = imports;
    }

    /**
     * Checks the name and the file at once (a bad one throws, as a synchronous upload would), then imports the zip
     * in the background and deletes {@code upload} when done, however it ends.
     */
    public ImportJob start(String name, String fileName, Path upload) {
        ImportJob job = null;
        try {
            synchronized (this) {
                // A job not yet on its thread holds no name in DatasetImports: look at the jobs first. In this
                // order a job that ends meanwhile has registered its dataset, which the name check then finds.
                jobs.values().stream().filter(j -> j.running() && j.name().equals(name)).findFirst().ifPresent(j -> {
                    throw new IllegalArgumentException("import " + j.id() + " of a dataset named '" + name
                            + "' is still running; choose another name or wait for it");
                });
                imports.checkUpload(name, fileName, upload);
                job = new ImportJob(nextId.getAndIncrement(), name, fileName, clock);
                jobs.put(job.id(), job);
            }
            ImportJob started = job;
            // The copy goes before the job reports its end: once a client sees it ended, nothing of it is left.
            runner.execute(() -> started.run(progress -> {
                try {
                    return imports.importZip(name, fileName, upload, progress);
                } finally {
                    deleteQuietly(upload);
                }
            }));
            forgetOld();
            return job;
        } catch (RuntimeException | Error e) {
            // Refused, or no thread to run it on: nothing of it stays, and its name is free again.
            if (job != null) {
                jobs.remove(job.id());
            }
            deleteQuietly(upload);
            throw e;
        }
    }

    /** One import; unknown once forgotten or after a server restart. */
    public ImportJob.Status get(long id) {
        return find(id).status();
    }

    /** Running imports and those ended within the last hour, newest first. */
    public List<ImportJob.Status> list() {
        forgetOld();
        return jobs.values().stream().map(ImportJob::status)
                .sorted(Comparator.comparing(ImportJob.Status::id).reversed()).toList();
    }

    /** Asks a running import to stop (see {@link ImportJob#requestStop()}). */
    public ImportJob.Status stop(long id) {
        return find(id).requestStop();
    }

    private ImportJob find(long id) {
        ImportJob job = jobs.get(id);
        if (job == null) {
            throw new NotFoundException("dataset import " + id + " not found (an import's outcome is kept for "
                    + KEPT_AFTER_END.toMinutes() + " minutes after it ends, and not across server restarts;"
                    + " GET /api/datasets lists what was imported)");
        }
        return job;
    }

    private void forgetOld() {
        Instant cutoff = clock.instant().minus(KEPT_AFTER_END);
        jobs.values().removeIf(j -> j.endedAt() != null && j.endedAt().isBefore(cutoff));
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", file, e.getMessage());
        }
    }
}
