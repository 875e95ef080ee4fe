package dev.templatelab.web.experiments;

import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialService;
import org.springframework.stereotype.Service;

import java.util.Optional;

/** Finds the checkpoint to download for an experiment: the best checkpoint of its best trial. */
@Service
public class BestCheckpoints {

    private final ExperimentService experiments;
    private final TrialService trials;
    private final CheckpointService checkpoints;

    BestCheckpoints(ExperimentService experiments, TrialService trials, CheckpointService checkpoints) {
        this.experiments = experiments;
        this.trials = trials;
        this.checkpoints = checkpoints;
    }

    /** A checkpoint with the names a download needs. */
    public record Download(CheckpointInfo checkpoint, TrialInfo trial, ExperimentInfo experiment) {

        /** "experiment-name_Template_trial-3.tlckpt", with unsafe characters replaced. */
        public String fileName() {
            return safe(experiment.name()) + "_" + safe(trial.template()) + "_trial-" + trial.number() + ".tlckpt";
        }

        private static String safe(String s) {
            return s.replaceAll("[^A-Za-z0-9._-]+", "-");
        }
    }

    /** The best trial's best (else latest) checkpoint, if the experiment has a complete trial with one. */
    public Optional<Download> ofExperiment(long experimentId) {
        ExperimentInfo experiment = experiments.get(experimentId);
        return trials.best(experimentId, experiment.direction()).flatMap(trial ->
                checkpoints.best(trial.id()).or(() -> checkpoints.latest(trial.id()))
                        .map(c -> new Download(c, trial, experiment)));
    }

    /** One checkpoint by id, with its trial and experiment. */
    public Download byId(long checkpointId, long trialId) {
        TrialInfo trial = trials.get(trialId);
        CheckpointInfo checkpoint = checkpoints.list(trialId).stream().filter(c -> c.id() == checkpointId).findFirst()
                .orElseThrow(() -> new NotFoundException("checkpoint", checkpointId));
        return new Download(checkpoint, trial, experiments.get(trial.experimentId()));
    }
}
