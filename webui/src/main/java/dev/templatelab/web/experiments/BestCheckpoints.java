package dev.templatelab.web.experiments;

import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentRow;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.experiments.ExperimentSummary;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.storage.trials.TrialStats;
import org.springframework.stereotype.Service;

import java.util.Optional;

/**
 * Finds the checkpoint to download for an experiment: the best checkpoint of its best COMPLETE trial; in a cancelled
 * experiment where no trial completed, that of its best CANCELLED trial (by the value of its best checkpointed epoch),
 * the best model its training reached. Pruned trials are never offered: their training was judged not worth finishing.
 */
@Service
public class BestCheckpoints {

    private final ExperimentService experiments;
    private final TrialService trials;
    private final CheckpointService checkpoints;

    /** Public for {@code tune}, whose context has no web beans: its report offers the same checkpoint. */
    public BestCheckpoints(ExperimentService experiments, TrialService trials, CheckpointService checkpoints) {
        this.experiments = experiments;
        this.trials = trials;
        this.checkpoints = checkpoints;
    }

    /** A checkpoint with the names a download needs. */
    public record Download(CheckpointInfo checkpoint, TrialInfo trial, ExperimentInfo experiment) {

        /** Whether it is a cancelled trial's: no trial of the experiment completed. */
        public boolean fromCancelledTrial() {
            return trial.state() == TrialState.CANCELLED;
        }

        /** "experiment-name_Template_trial-3.tlckpt", with unsafe characters replaced. */
        public String fileName() {
            return safe(experiment.name()) + "_" + safe(trial.template()) + "_trial-" + trial.number() + ".tlckpt";
        }

        private static String safe(String s) {
            return s.replaceAll("[^A-Za-z0-9._-]+", "-");
        }
    }

    /**
     * The best complete trial's best (else latest) checkpoint, if the experiment has a complete trial with one; else,
     * in a cancelled experiment, the best cancelled trial's best checkpoint (a cancelled trial has a value only if it
     * stored one).
     */
    public Optional<Download> ofExperiment(long experimentId) {
        ExperimentInfo experiment = experiments.get(experimentId);
        Optional<Download> complete = trials.best(experimentId, experiment.direction()).flatMap(trial ->
                checkpoints.best(trial.id()).or(() -> checkpoints.latest(trial.id()))
                        .map(c -> new Download(c, trial, experiment)));
        if (complete.isPresent() || experiment.state() != ExperimentState.CANCELLED) {
            return complete;
        }
        return trials.best(experimentId, experiment.direction(), TrialState.CANCELLED).flatMap(trial ->
                checkpoints.best(trial.id()).map(c -> new Download(c, trial, experiment)));
    }

    /**
     * The best trial the experiment's list, page and API show: its best COMPLETE trial ({@code bestComplete}, null if
     * none, as the caller's query found it); in a cancelled experiment without one, its best CANCELLED trial (one that
     * stored a checkpoint), whose checkpoint {@link #ofExperiment} serves. Null if neither.
     */
    public TrialInfo bestTrial(ExperimentInfo experiment, TrialInfo bestComplete) {
        if (bestComplete != null || experiment.state() != ExperimentState.CANCELLED) {
            return bestComplete;
        }
        return trials.best(experiment.id(), experiment.direction(), TrialState.CANCELLED).orElse(null);
    }

    /**
     * {@link #bestTrial(ExperimentInfo, TrialInfo)} for a row of the experiments list, which says whether a trial
     * completed: one small indexed query where the row has a best trial (or may have a cancelled one).
     */
    public TrialInfo bestTrial(ExperimentRow row) {
        ExperimentInfo e = row.experiment();
        return bestTrial(e, row.bestObjectiveValue() == null ? null : trials.best(e.id(), e.direction()).orElse(null));
    }

    /** Why {@link #ofExperiment} found nothing, and what to do: the 404 of the best-checkpoint download. */
    public String whyNone(long experimentId) {
        ExperimentSummary summary = experiments.summary(experimentId);
        ExperimentState state = summary.experiment().state();
        TrialStats counts = summary.trials();
        String failed = counts.count(TrialState.FAIL) == 0 ? "" : " (why " + counts.count(TrialState.FAIL)
                + " trial(s) failed: GET /api/experiments/" + experimentId + "/trials?state=FAIL)";
        if (state == ExperimentState.CANCELLED && counts.count(TrialState.COMPLETE) == 0) {
            long cancelled = counts.count(TrialState.CANCELLED);
            return "experiment " + experimentId + " was cancelled before any trial completed"
                    + (cancelled == 0 ? "" : ", and none of its " + cancelled + " cancelled trial(s) finished an epoch "
                    + "with a checkpoint") + ", so it has no model to download; launch it again" + failed;
        }
        if (state.isFinished()) {
            // An ended experiment gets no more trials: waiting would be in vain.
            return "experiment " + experimentId + " ended (" + state + ") without a complete trial with a checkpoint "
                    + "and runs no more trials; launch it again" + failed;
        }
        return "experiment " + experimentId + " has no complete trial with a checkpoint yet; wait for a trial to finish";
    }

    /** One checkpoint by id, with its trial and experiment. */
    public Download byId(long checkpointId, long trialId) {
        TrialInfo trial = trials.get(trialId);
        CheckpointInfo checkpoint = checkpoints.list(trialId).stream().filter(c -> c.id() == checkpointId).findFirst()
                .orElseThrow(() -> new NotFoundException("checkpoint", checkpointId));
        return new Download(checkpoint, trial, experiments.get(trial.experimentId()));
    }
}
