package dev.templatelab.tuning.study;

import dev.templatelab.training.fit.BestEpoch;
import dev.templatelab.training.fit.EpochMetrics;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * What a study optimises: a validation metric and, explicitly, whether to maximize or minimize it.
 *
 * @param metric    the metric
 * @param direction the direction; it must be the metric's natural one (maximizing loss finds the worst model)
 */
public record Objective(Metric metric, Direction direction) {

    /** The metrics a study can optimise, with their names in the CLI/REST and their natural direction. */
    public enum Metric {
        VAL_ACCURACY("val_accuracy", Direction.MAXIMIZE, 1),
        MACRO_F1("macro_f1", Direction.MAXIMIZE, 1),
        MAP("map", Direction.MAXIMIZE, 1),
        LOSS("loss", Direction.MINIMIZE, Double.POSITIVE_INFINITY);

        private final String id;
        private final Direction natural;
        private final double highest;

        Metric(String id, Direction natural, double highest) {
            this.id = id;
            this.natural = natural;
            this.highest = highest;
        }

        /** The smallest value the metric can take: 0 for every one (a share, or a cross-entropy). */
        public double lowest() {
            return 0;
        }

        /** The largest value the metric can take: 1 for the shares, unbounded for the loss. */
        public double highest() {
            return highest;
        }

        /** The name used in the CLI and REST API. */
        public String id() {
            return id;
        }

        /** Which way is better for this metric. */
        public Direction naturalDirection() {
            return natural;
        }

        /** The metric named {@code id} ({@code val_accuracy}, {@code macro_f1}, {@code map}, {@code loss}). */
        public static Metric parse(String id) {
            return Arrays.stream(values()).filter(m -> m.id.equals(id.trim().toLowerCase(Locale.ROOT))).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown objective '" + id + "'; known: "
                            + String.join(", ", Arrays.stream(values()).map(Metric::id).toList())));
        }
    }

    public Objective {
        if (direction != metric.naturalDirection()) {
            throw new IllegalArgumentException(metric.id() + " must be " + metric.naturalDirection().name().toLowerCase(Locale.ROOT)
                    + "d; to " + direction.name().toLowerCase(Locale.ROOT) + " it would search for the worst model");
        }
    }

    /** Maximize validation accuracy: the default. */
    public static Objective defaultObjective() {
        return new Objective(Metric.VAL_ACCURACY, Direction.MAXIMIZE);
    }

    /** The metric in its natural direction. */
    public static Objective of(Metric metric) {
        return new Objective(metric, metric.naturalDirection());
    }

    /** How training picks a trial's best epoch (and checkpoint) for this objective. */
    public BestEpoch bestEpoch() {
        return switch (metric) {
            case VAL_ACCURACY -> BestEpoch.ACCURACY;
            case MACRO_F1 -> BestEpoch.MACRO_F1;
            case LOSS -> BestEpoch.LOSS;
            case MAP -> BestEpoch.MAP;
        };
    }

    /**
     * The objective read from one epoch's metrics, for per-epoch reports. mAP is measured on multi-label data
     * only (NaN on single-label data, where a trial tuned on it fails with a message saying so).
     */
    public Optional<ToDoubleFunction<EpochMetrics>> perEpoch() {
        return Optional.of(bestEpoch()::score);   // the metric training picks its best epoch by
    }
}
