package dev.templatelab.training.schedule;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Clarifai's Inception-family schedule: the full rate for {@code initEpochs}, then divided by 10 every
 * {@code stepEpochs} epochs. Epoch-based; the fit loop keeps DL4J's epoch counter current.
 */
public final class StepDecaySchedule implements ISchedule {

    /** Factor applied at each step (Caffe's classic "step" policy with gamma 0.1). */
    public static final double GAMMA = 0.1;

    private final double base;
    private final int initEpochs;
    private final int stepEpochs;

    public StepDecaySchedule(@JsonProperty("base") double base, @JsonProperty("initEpochs") int initEpochs,
                             @JsonProperty("stepEpochs") int stepEpochs) {
        if (base <= 0 || initEpochs < 0 || stepEpochs < 1) {
            throw new IllegalArgumentException("invalid step schedule: base " + base + ", init_epochs " + initEpochs
                    + ", step_epochs " + stepEpochs);
        }
        this.base = base;
        this.initEpochs = initEpochs;
        this.stepEpochs = stepEpochs;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (epoch < initEpochs) {
            return base;
        }
        int steps = 1 + (epoch - initEpochs) / stepEpochs;
        return base * Math.pow(GAMMA, steps);
    }

    @Override
    public ISchedule clone() {
        return new StepDecaySchedule(base, initEpochs, stepEpochs);
    }

    public double getBase() {
        return base;
    }

    public int getInitEpochs() {
        return initEpochs;
    }

    public int getStepEpochs() {
        return stepEpochs;
    }
}
