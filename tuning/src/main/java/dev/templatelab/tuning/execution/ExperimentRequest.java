package dev.templatelab.tuning.execution;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An experiment to launch, as the CLI, the REST API and the web UI describe it. {@link ExperimentLauncher#launch}
 * checks every field and names the one to fix.
 *
 * @param name              unique experiment name
 * @param datasetId         a dataset registered in storage
 * @param templates         templates to compare (the template is a categorical dimension of the search)
 * @param sampler           {@code grid}, {@code random} or {@code tpe}
 * @param pruner            {@code none}, {@code median}, {@code asha} or {@code hyperband}
 * @param maxTrials         trials to run, at least 1
 * @param maxEpochsPerTrial epochs a trial trains at most (num_epochs is fixed to it unless the space sets it)
 * @param parallelism       trials that may run at once
 * @param objective         {@code accuracy}, {@code macro_f1}, {@code map} or {@code loss}; the direction follows
 * @param searchSpace       changes to the templates' default spaces: name -> value | {"low","high","log","step"} |
 *                          [choices]; {@code Template.name} changes one template only; null or empty: defaults
 * @param maxWallClock      stop asking for trials after this long (null: no limit)
 * @param seed              seed of the sampler (null: a random one, recorded with the experiment)
 * @param maxTotalEpochs    stop asking for trials once this many epochs were trained over all trials (null: no limit)
 * @param target            stop once a complete trial reaches this objective value (null: never)
 * @param allowRandomInit   let templates defined by pretrained weights train from random weights when the space
 *                          gives no {@code pretrained_weights}
 * @param owner             who launched it (may be null)
 */
public record ExperimentRequest(String name, long datasetId, List<String> templates, String sampler, String pruner,
                                int maxTrials, int maxEpochsPerTrial, int parallelism, String objective,
                                Map<String, Object> searchSpace, Duration maxWallClock, Long seed,
                                Integer maxTotalEpochs, Double target, boolean allowRandomInit, String owner) {

    /** The request with the common fields only: no epoch budget, no target, pretrained templates need weights. */
    public ExperimentRequest(String name, long datasetId, List<String> templates, String sampler, String pruner,
                             int maxTrials, int maxEpochsPerTrial, int parallelism, String objective,
                             Map<String, Object> searchSpace, Duration maxWallClock, Long seed) {
        this(name, datasetId, templates, sampler, pruner, maxTrials, maxEpochsPerTrial, parallelism, objective,
                searchSpace, maxWallClock, seed, null, null, false, null);
    }
}
