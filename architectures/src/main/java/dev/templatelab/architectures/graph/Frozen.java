package dev.templatelab.architectures.graph;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The updater of a parameter that must not move: a scale-free batch norm's gamma, a frozen backbone. DL4J has none.
 * Its {@link NoOp} is no substitute: DL4J subtracts whatever gradient the updater leaves, and NoOp leaves the raw
 * gradient, at a learning rate of 1 (that is how batch norm's running statistics move, so they keep NoOp).
 * This one sets the gradient to zero instead.
 */
public final class Frozen implements IUpdater {

    @Override
    public long stateSize(long numParams) {
        return 0;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return new Updater(this);
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return new Updater(this);
    }

    @Override
    public Frozen clone() {
        return new Frozen();
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return 0.0;
    }

    @Override
    public boolean hasLearningRate() {
        return false;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        throw new UnsupportedOperationException("a frozen parameter has no learning rate");
    }

    /** Equal to every other Frozen and nothing else: DL4J puts neighbouring parameters with equal updaters in one block. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Frozen;
    }

    @Override
    public int hashCode() {
        return Frozen.class.hashCode();
    }

    @Override
    public String toString() {
        return "Frozen()";
    }

    /** True for parameters no updater trains: frozen ones and batch norm's running statistics (NoOp). */
    public static boolean isFixed(IUpdater updater) {
        return updater instanceof Frozen || updater instanceof NoOp;
    }

    private record Updater(Frozen config) implements GradientUpdater<Frozen> {

        @Override
        public Frozen getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        }

        @Override
        public Map<String, INDArray> getState() {
            return Map.of();
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            gradient.assign(0);
        }
    }
}
