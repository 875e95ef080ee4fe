package dev.templatelab.tuning.execution;

import dev.templatelab.storage.config.DatabaseErrors;
import dev.templatelab.storage.experiments.ExperimentRow;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentState;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Component;

/**
 * Frees a worker machine's disk of the dataset and weights copies ({@link DatasetCopies}, {@link WeightsCopies}) that
 * nothing needs any more: copies of deleted datasets, and weights no unfinished experiment records that no trial here
 * used for a day. Idle workers run it, at most once an hour per process.
 */
@Component
public class CopiesSweep {

    private static final Logger log = LoggerFactory.getLogger(CopiesSweep.class);
    static final Duration INTERVAL = Duration.ofHours(1);

    private final DatasetCopies datasetCopies;
    private final WeightsCopies weightsCopies;
    private final ExperimentService experiments;
    private final TuningSettingsStore settings;
    /** System.nanoTime() after which the next sweep is due; the first one is due at once. */
    private final AtomicLong due = new AtomicLong(System.nanoTime());

    CopiesSweep(DatasetCopies datasetCopies, WeightsCopies weightsCopies, ExperimentService experiments,
                TuningSettingsStore settings) {
        this.datasetCopies = datasetCopies;
        this.weightsCopies = weightsCopies;
        this.experiments = experiments;
        this.settings = settings;
    }

    /** Sweeps if an hour passed since this process last did (one worker of the process does it). */
    public void sweepIfDue() {
        long now = System.nanoTime();
        long next = due.get();
        if (now - next < 0 || !due.compareAndSet(next, now + INTERVAL.toNanos())) {
            return;
        }
        try {
            sweep();
        } catch (IOException | RuntimeException e) {
            if (e instanceof RuntimeException r && DatabaseErrors.isConnectionProblem(r)) {
                throw r;
            }
            log.warn("could not remove unused dataset or weights copies: {}", e.toString());
        }
    }

    /** Removes what is unused now; returns how many copies (and leftovers) went. */
    int sweep() throws IOException {
        int datasets = datasetCopies.sweepUnused();
        Set<String> needed = new TreeSet<>();
        for (ExperimentState state : List.of(ExperimentState.QUEUED, ExperimentState.RUNNING, ExperimentState.PAUSED)) {
            for (ExperimentRow row : experiments.list(state, Pageable.unpaged())) {
                try {
                    settings.find(row.experiment().id())
                            .ifPresent(s -> needed.addAll(WeightsCopies.folders(s.weightsCopies())));
                } catch (IllegalStateException unreadable) {
                    // Its settings cannot be read, so neither can its trials run (TrialScheduler says so): no needs.
                    log.debug("experiment {} skipped: {}", row.experiment().id(), unreadable.getMessage());
                }
            }
        }
        return datasets + weightsCopies.sweepUnused(needed);
    }
}
