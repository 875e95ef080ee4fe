package dev.templatelab.tuning.execution;

import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.events.EventService;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.tuning.testapp.TuningDbTest;
import dev.templatelab.tuning.testing.TinyDigits;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.data.domain.Pageable;

/** Experiments of real (tiny) trials on three digit classes, run by workers against the test database. */
abstract class DigitsExperimentTest extends TuningDbTest {

    @TempDir
    static Path dir;
    static Path digits;

    @Autowired ExperimentLauncher launcher;
    @Autowired TrialScheduler scheduler;
    @Autowired TrialRunner runner;
    @Autowired CheckpointService checkpoints;
    @Autowired MetricService metrics;
    @Autowired EventService events;
    @Autowired Environment env;

    @BeforeAll
    static void digits() throws Exception {
        digits = TinyDigits.create(dir, 3, 30);
    }

    /** A worker serves every experiment in the database: start each test with none of the other tests' running. */
    @BeforeEach
    void cancelOtherExperiments() {
        for (ExperimentState state : List.of(ExperimentState.QUEUED, ExperimentState.RUNNING, ExperimentState.PAUSED)) {
            experiments.list(state, Pageable.unpaged()).forEach(row -> experiments.cancel(row.experiment().id()));
        }
    }

    TrialWorker worker(String id) {
        return new TrialWorker(id, scheduler, runner, trials, WorkerSettings.from(env));
    }
}
