package dev.templatelab.web.experiments;

import dev.templatelab.storage.experiments.DeletedExperiment;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentSummary;
import dev.templatelab.tuning.execution.ExperimentLauncher;
import dev.templatelab.tuning.execution.ExperimentRequest;
import org.springframework.stereotype.Service;

import java.time.Instant;

/**
 * What the UI and API do to experiments: launch (validated by tuning's {@link ExperimentLauncher}, which
 * creates nothing when it refuses), read, pause, resume, cancel (the launcher tells running trials to stop), and
 * delete a finished one.
 */
@Service
public class ExperimentControl {

    private final ExperimentService experiments;
    private final ExperimentLauncher launcher;

    ExperimentControl(ExperimentService experiments, ExperimentLauncher launcher) {
        this.experiments = experiments;
        this.launcher = launcher;
    }

    /** Launches; throws {@code InvalidExperimentException} naming the field to fix. */
    public ExperimentInfo launch(ExperimentRequest request) {
        return launcher.launch(request);
    }

    public ExperimentInfo get(long id) {
        return experiments.get(id);
    }

    public ExperimentSummary summary(long id) {
        return experiments.summary(id);
    }

    /** The database's clock, which experiments' running time (and wall-clock budget) is measured by. */
    public Instant databaseNow() {
        return experiments.databaseNow();
    }

    public ExperimentInfo pause(long id) {
        return launcher.pause(id);
    }

    public ExperimentInfo resume(long id) {
        return launcher.resume(id);
    }

    public ExperimentInfo cancel(long id) {
        return launcher.cancel(id);
    }

    /** Deletes a finished experiment with its trials and checkpoint files (refused while it runs: cancel first). */
    public DeletedExperiment delete(long id) {
        return experiments.delete(id);
    }
}
