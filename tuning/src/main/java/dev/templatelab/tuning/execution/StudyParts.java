package dev.templatelab.tuning.execution;

import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.tuning.pruner.AshaPruner;
import dev.templatelab.tuning.pruner.HyperbandPruner;
import dev.templatelab.tuning.pruner.MedianPruner;
import dev.templatelab.tuning.pruner.NopPruner;
import dev.templatelab.tuning.pruner.Pruner;
import dev.templatelab.tuning.pruner.SuccessiveHalvingPruner;
import dev.templatelab.tuning.sampler.GridSampler;
import dev.templatelab.tuning.sampler.RandomSampler;
import dev.templatelab.tuning.sampler.Sampler;
import dev.templatelab.tuning.sampler.TpeSampler;
import dev.templatelab.tuning.study.Objective;
import java.util.List;
import java.util.Locale;

/** The names an experiment stores for its sampler, pruner and objective, and what they stand for. */
public final class StudyParts {

    public static final List<String> SAMPLERS = List.of("grid", "random", "tpe");
    public static final List<String> PRUNERS = List.of("none", "median", "asha", "asha-optuna", "hyperband");
    public static final List<String> OBJECTIVES = List.of("accuracy", "macro_f1", "loss", "map");

    private StudyParts() {
    }

    /** The sampler named {@code name}, seeded. */
    public static Sampler sampler(String name, long seed) {
        return switch (normalise(name)) {
            case "grid" -> new GridSampler();
            case "random" -> new RandomSampler(seed);
            case "tpe" -> new TpeSampler(seed);
            default -> throw new IllegalArgumentException("unknown sampler '" + name + "'; known: " + String.join(", ", SAMPLERS));
        };
    }

    /**
     * The pruner named {@code name} for trials of at most {@code maxEpochs} epochs. ASHA and Hyperband use
     * reduction factor 3 from the first epoch: with a handful of epochs per trial a factor of 4 would leave
     * a single rung. {@code asha} holds and promotes trials (Li et al.); {@code asha-optuna} decides once, when a
     * trial reaches a rung, as Optuna's SuccessiveHalvingPruner does (kept for comparison: see bench/tuning).
     */
    public static Pruner pruner(String name, int maxEpochs) {
        return switch (normalise(name)) {
            case "none" -> new NopPruner();
            case "median" -> new MedianPruner(3, 0, 1);
            case "asha" -> new AshaPruner(1, 3);
            case "asha-optuna" -> new SuccessiveHalvingPruner(1, 3, 0);
            case "hyperband" -> new HyperbandPruner(1, Math.max(1, maxEpochs), 3);
            default -> throw new IllegalArgumentException("unknown pruner '" + name + "'; known: " + String.join(", ", PRUNERS));
        };
    }

    /** The objective named {@code name} ({@code accuracy} or {@code val_accuracy}, {@code macro_f1}, {@code loss}). */
    public static Objective objective(String name) {
        String n = normalise(name);
        return Objective.of(Objective.Metric.parse(n.equals("accuracy") ? "val_accuracy" : n));
    }

    /** The metrics column holding the objective. */
    public static Metric column(Objective objective) {
        return switch (objective.metric()) {
            case VAL_ACCURACY -> Metric.VAL_ACCURACY;
            case MACRO_F1 -> Metric.VAL_MACRO_F1;
            case LOSS -> Metric.VAL_LOSS;
            case MAP -> Metric.VAL_MAP;
        };
    }

    /** Storage's direction for the objective. */
    public static dev.templatelab.storage.metrics.Direction direction(Objective objective) {
        return dev.templatelab.storage.metrics.Direction.valueOf(objective.direction().name());
    }

    private static String normalise(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("missing; give one of the names listed in the help");
        }
        return name.trim().toLowerCase(Locale.ROOT);
    }
}
