package dev.templatelab.tuning.sampler;

import dev.templatelab.tuning.study.StudyView;

/**
 * Picks a new trial's template and hyperparameters from the study's space and trials (Optuna's sampler).
 * Samplers are seeded: with the same seed and the same trials they return the same sample.
 */
public interface Sampler {

    /**
     * Values for trial {@code trialNumber}. {@code study.trials()} includes running trials, so a grid never
     * hands out a point twice; model-based samplers learn from the finished ones only.
     */
    Sample sample(StudyView study, int trialNumber);

    /** Whether no new trial can be sampled (a grid that has handed out every point). */
    default boolean isExhausted(StudyView study) {
        return false;
    }
}
