package dev.templatelab.tuning.study;

import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.Hyperparameters;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;

/**
 * A running trial handed out by {@link Study#ask()}: its template and sampled parameters, and the report /
 * should-prune calls the training loop makes after each epoch. End it with {@link Study#tell}.
 */
public final class Trial implements TrialView {

    private static final TemplateRegistry REGISTRY = TemplateRegistry.standard();

    private final Study study;
    private final int number;
    private final String template;
    private final Map<String, Object> params;

    Trial(Study study, int number, String template, Map<String, Object> params) {
        this.study = study;
        this.number = number;
        this.template = template;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params)); // keeps the space's order
    }

    Study study() {
        return study;
    }

    @Override
    public int number() {
        return number;
    }

    /** The template this trial trains. */
    public String template() {
        return template;
    }

    /** The sampled hyperparameters, typed for {@link HyperparameterSchema#resolveTyped}. */
    public Map<String, Object> params() {
        return params;
    }

    /** The full, validated hyperparameters: the template's defaults with the sampled values on top. */
    public Hyperparameters hyperparameters() {
        return HyperparameterSchema.resolveTyped(REGISTRY.get(template), params);
    }

    /** Records the objective after {@code epoch}; a second report for the same epoch is ignored, as in Optuna. */
    public void report(int epoch, double value) {
        study.report(this, epoch, value);
    }

    /** Whether the study's pruner wants this trial stopped now. */
    public boolean shouldPrune() {
        return study.shouldPrune(this);
    }

    /** What the pruner wants after an epoch. */
    public enum Verdict { CONTINUE, PRUNE, HOLD }

    /**
     * Whether the pruner wants this trial stopped, or (if {@code mayHold}) paused at a rung until it is promoted
     * (ASHA), answered from one read of the trial: what a worker asks after each epoch. Pass {@code mayHold = false}
     * at the last epoch, or for a trial that cannot resume from a checkpoint.
     */
    public Verdict verdict(boolean mayHold) {
        return study.verdict(this, mayHold);
    }

    /** {@link #report} then {@link #shouldPrune}: fits training's {@code IntermediateReporter.Sink}. */
    public boolean reportAndCheckPrune(int epoch, double value) {
        report(epoch, value);
        return shouldPrune();
    }

    @Override
    public SortedMap<Integer, Double> intermediateValues() {
        return study.trial(number).intermediateValues();
    }

    @Override
    public String toString() {
        return "Trial " + number + " " + template + " " + params;
    }
}
