package dev.templatelab.web.experiments;

import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentSummary;
import org.springframework.stereotype.Service;

/** What the UI and API do to an experiment: read it, pause, resume, cancel. */
@Service
public class ExperimentControl {

    private final ExperimentService experiments;

    ExperimentControl(ExperimentService experiments) {
        this.experiments = experiments;
    }

    public ExperimentInfo get(long id) {
        return experiments.get(id);
    }

    public ExperimentSummary summary(long id) {
        return experiments.summary(id);
    }

    public ExperimentInfo pause(long id) {
        return experiments.pause(id);
    }

    public ExperimentInfo resume(long id) {
        return experiments.resume(id);
    }

    public ExperimentInfo cancel(long id) {
        return experiments.cancel(id);
    }
}
