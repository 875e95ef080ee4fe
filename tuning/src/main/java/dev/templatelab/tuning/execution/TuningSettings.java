package dev.templatelab.tuning.execution;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.templatelab.storage.artifacts.StoredArtifact;
import java.util.Map;

/**
 * What every worker must agree on to run an experiment's trials the same way, beyond the experiments table:
 * kept in {@code experiment_tuning} (one row per experiment).
 *
 * @param seed            the sampler's seed
 * @param objective       the objective's name ({@code val_accuracy}, {@code macro_f1}, {@code loss})
 * @param allowRandomInit pretrained templates may start from random weights
 * @param maxAttempts     claims of a trial (crashes and errors) before it is marked FAIL
 * @param weightsCopies   the pretrained weights the space may draw, copied into the artifact store at launch, by
 *                        {@code template/name} ({@link WeightsCopies}); empty for experiments launched before
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TuningSettings(long seed, String objective, boolean allowRandomInit, int maxAttempts,
                             Map<String, StoredArtifact> weightsCopies) {

    public TuningSettings {
        weightsCopies = weightsCopies == null ? Map.of() : Map.copyOf(weightsCopies);
    }

    /** Settings without copied weights. */
    public TuningSettings(long seed, String objective, boolean allowRandomInit, int maxAttempts) {
        this(seed, objective, allowRandomInit, maxAttempts, Map.of());
    }
}
