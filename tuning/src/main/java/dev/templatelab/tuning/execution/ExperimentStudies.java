package dev.templatelab.tuning.execution;

import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.study.Budget;
import dev.templatelab.tuning.study.Objective;
import dev.templatelab.tuning.study.Study;
import java.time.Duration;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Rebuilds an experiment's {@link Study} from the database on any worker: the stored space, the sampler seeded
 * with the experiment's seed, its pruner, objective and budget, over a {@link DbStudyStorage}. The wall-clock
 * limit counts the experiment's running time by the database's clock ({@link ExperimentInfo#runningTime}: from its
 * first trial, pauses left out), not this worker's.
 */
@Component
public class ExperimentStudies {

    private final TrialService trials;
    private final MetricService metrics;
    private final TuningSettingsStore settings;
    private final ExperimentService experiments;

    ExperimentStudies(TrialService trials, MetricService metrics, TuningSettingsStore settings,
                      ExperimentService experiments) {
        this.experiments = experiments;
        this.trials = trials;
        this.metrics = metrics;
        this.settings = settings;
    }

    /** The experiment's tuning settings (seed, objective, retries). */
    public TuningSettings settings(ExperimentInfo e) {
        return settings.find(e.id()).orElseThrow(() -> new IllegalStateException("experiment " + e.id() + " ("
                + e.name() + ") was not launched by the tuner: it has no tuning settings"));
    }

    /** Whether the tuner launched {@code e} (it has tuning settings). */
    public boolean isTuned(ExperimentInfo e) {
        return settings.exists(e.id());
    }

    /** The objective of the experiment. */
    public Objective objective(ExperimentInfo e) {
        return StudyParts.objective(settings(e).objective());
    }

    /** The study of {@code e} as worker {@code workerId} runs it. */
    public Study open(ExperimentInfo e, DbStudyStorage storage) {
        TuningSettings s = settings(e);
        Objective objective = StudyParts.objective(s.objective());
        Budget budget = Budget.unlimited();
        if (e.budget().maxTrials() != null) {
            budget = budget.withMaxTrials(e.budget().maxTrials());
        }
        if (e.budget().maxTotalEpochs() != null) {
            budget = budget.withMaxTotalEpochs(e.budget().maxTotalEpochs());
        }
        if (e.budget().targetObjectiveValue() != null) {
            budget = budget.withTarget(e.budget().targetObjectiveValue());
        }
        int maxEpochs = e.budget().maxEpochsPerTrial() == null ? 1 : e.budget().maxEpochsPerTrial();
        return Study.builder(e.name(), SearchSpace.fromJson(e.searchSpaceJson()))
                .optObjective(objective)
                .optSampler(StudyParts.sampler(e.sampler(), s.seed()))
                .optPruner(StudyParts.pruner(e.pruner(), maxEpochs))
                .optBudget(budget)
                .optOutsideBudget(() -> wallClockSpent(e))
                .optStorage(storage)
                .build();
    }

    /** A storage for {@code e} on behalf of {@code workerId}. */
    public DbStudyStorage storage(ExperimentInfo e, String workerId) {
        return new DbStudyStorage(e.id(), workerId, StudyParts.column(objective(e)), trials, metrics);
    }

    /** The experiment's wall clock: its running time on the database's clock, pauses not counted. */
    private Optional<String> wallClockSpent(ExperimentInfo e) {
        Long limit = e.budget().maxWallClockSeconds();
        if (limit != null) {
            Duration ran = e.runningTime(experiments.databaseNow());
            if (ran.toSeconds() >= limit) {
                return Optional.of("ran " + ran.toSeconds() + " s (pauses not counted), the wall-clock budget is "
                        + limit + " s");
            }
        }
        return Optional.empty();
    }
}
