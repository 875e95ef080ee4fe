package dev.templatelab.training.schedule;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/** Another schedule times a constant: the backbone's rate under Clarifai's {@code base_gradient_multiplier}. */
public final class ScaledSchedule implements ISchedule {

    private final ISchedule inner;
    private final double factor;

    public ScaledSchedule(@JsonProperty("inner") ISchedule inner, @JsonProperty("factor") double factor) {
        this.inner = inner;
        this.factor = factor;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return factor * inner.valueAt(iteration, epoch);
    }

    @Override
    public ISchedule clone() {
        return new ScaledSchedule(inner.clone(), factor);
    }

    public ISchedule getInner() {
        return inner;
    }

    public double getFactor() {
        return factor;
    }
}
