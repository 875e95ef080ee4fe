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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The names an experiment stores for its sampler, pruner and objective, and what they stand for. */
public final class StudyParts {

    public static final List<String> SAMPLERS = List.of("grid", "random", "tpe");
    public static final List<String> PRUNERS = List.of("none", "median", "asha", "asha-optuna", "hyperband");
    /** What the CLI, the REST API and the page use when no sampler or pruner is named. */
    public static final String DEFAULT_SAMPLER = "tpe";
    public static final String DEFAULT_PRUNER = "asha";
    /** The successive-halving pruners, which take rung settings. */
    private static final List<String> RUNG_PRUNERS = List.of("asha", "asha-optuna", "hyperband");
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
     * The pruner {@code spec} names, for trials of at most {@code maxEpochs} epochs: a name from {@link #PRUNERS},
     * and for the successive-halving ones optionally their rungs, e.g. {@code asha:min_resource=2,reduction_factor=4}.
     * By default ASHA and Hyperband use reduction factor 3 from the first epoch: with a handful of epochs per trial
     * a factor of 4 would leave a single rung. {@code asha} holds and promotes trials (Li et al.); {@code asha-optuna}
     * decides once, when a trial reaches a rung, as Optuna's SuccessiveHalvingPruner does (see bench/tuning).
     *
     * @throws IllegalArgumentException naming what is wrong with {@code spec}
     */
    public static Pruner pruner(String spec, int maxEpochs) {
        String[] parts = normalise(spec).split(":", 2);
        String name = parts[0].trim();
        Map<String, Integer> rungs = parts.length == 2 ? rungSettings(name, parts[1]) : Map.of();
        int minResource = rungs.getOrDefault("min_resource", 1);
        int reductionFactor = rungs.getOrDefault("reduction_factor", 3);
        return switch (name) {
            case "none" -> new NopPruner();
            case "median" -> new MedianPruner(3, 0, 1);
            case "asha" -> new AshaPruner(minResource, reductionFactor);
            case "asha-optuna" -> new SuccessiveHalvingPruner(minResource, reductionFactor, 0);
            case "hyperband" -> new HyperbandPruner(minResource, Math.max(minResource, maxEpochs), reductionFactor);
            default -> throw new IllegalArgumentException("unknown pruner '" + spec + "'; known: " + String.join(", ", PRUNERS));
        };
    }

    /** {@code min_resource=N,reduction_factor=N} after a successive-halving pruner's name. */
    private static Map<String, Integer> rungSettings(String pruner, String settings) {
        if (!RUNG_PRUNERS.contains(pruner)) {
            throw new IllegalArgumentException("pruner '" + pruner + "' takes no settings; only asha, asha-optuna and "
                    + "hyperband take min_resource and reduction_factor");
        }
        Map<String, Integer> values = new LinkedHashMap<>();
        for (String item : settings.split(",")) {
            String[] kv = item.split("=", 2);
            String key = kv[0].trim();
            if (!key.equals("min_resource") && !key.equals("reduction_factor")) {
                throw new IllegalArgumentException("unknown " + pruner + " setting '" + key
                        + "'; use min_resource=N (epochs before the first rung) and/or reduction_factor=N");
            }
            int value;
            try {
                value = Integer.parseInt(kv.length == 2 ? kv[1].trim() : "");
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(pruner + " setting " + key + " needs a whole number, e.g. " + key + "=2");
            }
            int least = key.equals("min_resource") ? 1 : 2;
            if (value < least) {
                throw new IllegalArgumentException(pruner + " setting " + key + " must be at least " + least + ", got " + value);
            }
            values.put(key, value);
        }
        return values;
    }

    /** The objective named {@code name} ({@code accuracy} or {@code val_accuracy}, {@code macro_f1}, {@code loss}). */
    public static Objective objective(String name) {
        String n = normalise(name);
        try {
            return Objective.of(Objective.Metric.parse(n.equals("accuracy") ? "val_accuracy" : n));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown objective '" + name + "'; known: " + String.join(", ", OBJECTIVES), e);
        }
    }

    /** The name users give {@code column}'s objective ({@link #OBJECTIVES}), e.g. {@code accuracy} for VAL_ACCURACY. */
    public static String objectiveName(Metric column) {
        return switch (column) {
            case VAL_ACCURACY -> "accuracy";
            case VAL_MACRO_F1 -> "macro_f1";
            case VAL_LOSS -> "loss";
            case TRAIN_LOSS -> "train_loss";
            case VAL_MAP -> "map";
        };
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
