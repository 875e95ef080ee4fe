package dev.templatelab.web.datasets;

import dev.templatelab.training.data.DatasetException;
import dev.templatelab.training.data.ImportProgress;
import dev.templatelab.training.data.ImportStoppedException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.function.Function;

/**
 * One dataset import running in the background for the REST API: how far it got, a stop request, and how it ended.
 * Its import reports to it through {@link #progress()}; callers read {@link #status()} at any time, from any thread.
 */
public final class ImportJob {

    private static final Logger log = LoggerFactory.getLogger(ImportJob.class);

    /** Where an import stands. */
    public enum State { RUNNING, SUCCEEDED, FAILED, STOPPED }

    /** What a running import is doing: before its first report, a zip's files written, images checked, then saved. */
    public enum Step { STARTING, EXTRACTING, CHECKING, REGISTERING }

    /** A consistent picture of the job at one moment. */
    public record Status(long id, String name, String fileName, State state, Step step, int done, int total,
                         boolean stopRequested, Instant startedAt, Instant endedAt,
                         DatasetImports.Imported imported, String error) {
    }

    /** Why a stop request was not taken. */
    public static final class TooLateToStopException extends IllegalStateException {
        TooLateToStopException(String message) {
            super(message);
        }
    }

    private final long id;
    private final String name;
    private final String fileName;
    private final Clock clock;
    private final Instant startedAt;
    private State state = State.RUNNING;
    private Step step = Step.STARTING;
    private int done;
    private int total;
    private boolean stopRequested;
    private Instant endedAt;
    private DatasetImports.Imported imported;
    private String error;

    ImportJob(long id, String name, String fileName, Clock clock) {
        this.id = id;
        this.name = name;
        this.fileName = fileName;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    public long id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** The import's progress and stop check, for the importing thread. */
    ImportProgress progress() {
        return new ImportProgress() {
            @Override
            public boolean stopRequested() {
                synchronized (ImportJob.this) {
                    return stopRequested;
                }
            }

            @Override
            public boolean mayKeep() {
                synchronized (ImportJob.this) {
                    // From here on (saving the record, packing the copy for workers) nothing asks whether to stop.
                    if (!stopRequested) {
                        step = Step.REGISTERING;
                    }
                    return !stopRequested;
                }
            }

            @Override
            public void progressed(Phase phase, int doneFiles, int totalFiles) {
                synchronized (ImportJob.this) {
                    step = phase == Phase.EXTRACTING ? Step.EXTRACTING : Step.CHECKING;
                    done = doneFiles;
                    total = totalFiles;
                }
            }
        };
    }

    /** Runs the import on the calling thread and records how it ended. */
    void run(Function<ImportProgress, DatasetImports.Imported> importer) {
        try {
            DatasetImports.Imported result = importer.apply(progress());
            end(State.SUCCEEDED, result, null);
        } catch (ImportStoppedException e) {
            end(State.STOPPED, null, null);
        } catch (RuntimeException | Error e) {
            if (!(e instanceof DatasetException || e instanceof IllegalArgumentException)) {
                // Not the data's fault: the operator needs the stack trace, the client gets the message.
                log.error("{} failed", this, e);
            }
            end(State.FAILED, null, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            if (e instanceof Error err) {
                throw err;   // recorded for the client; the thread's handler logs it
            }
        }
    }

    private synchronized void end(State how, DatasetImports.Imported result, String message) {
        state = how;
        imported = result;
        error = message;
        endedAt = clock.instant();
    }

    /**
     * Asks the running import to stop; it ends STOPPED with nothing kept before it reads its next file. Refused once it
     * has ended or is saving the dataset (then delete the dataset instead).
     */
    synchronized Status requestStop() {
        if (state != State.RUNNING) {
            throw new TooLateToStopException("import " + id + " of '" + name + "' already ended (" + state + ")"
                    + (state == State.SUCCEEDED ? "; delete the dataset instead: DELETE /api/datasets/"
                    + imported.dataset().id() : ""));
        }
        if (step == Step.REGISTERING) {
            throw new TooLateToStopException("import " + id + " of '" + name + "' has checked every image and is"
                    + " saving the dataset, which cannot be stopped; delete the dataset once it is done");
        }
        stopRequested = true;
        return status();
    }

    public synchronized Status status() {
        return new Status(id, name, fileName, state, step, done, total, stopRequested, startedAt, endedAt, imported,
                error);
    }

    synchronized boolean running() {
        return state == State.RUNNING;
    }

    /** When it ended; null while it runs. */
    synchronized Instant endedAt() {
        return endedAt;
    }

    @Override
    public String toString() {
        return "import " + id + " of '" + name + "' (" + fileName + ")";
    }
}
