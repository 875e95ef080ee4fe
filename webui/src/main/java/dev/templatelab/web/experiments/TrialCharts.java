package dev.templatelab.web.experiments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.RecordedEpoch;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialParam;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.web.charts.ChartOptions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Turns trials and their curves into the experiment and trial pages' chart options. */
public final class TrialCharts {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a chart of complete trials, or of recorded epochs, says while it has none (not just empty axes). */
    static final String NO_COMPLETE_TRIAL = "No complete trial yet";
    static final String NO_EPOCH = "No epoch recorded yet";

    private TrialCharts() {
    }

    /** Validation accuracy (or another metric) per epoch, one line per trial. */
    public static Map<String, Object> learningCurves(String title, Metric metric, Map<Long, List<RecordedEpoch>> curves,
                                                     Function<Long, String> trialName) {
        List<ChartOptions.Series> series = new ArrayList<>();
        curves.forEach((trialId, epochs) -> {
            List<double[]> points = new ArrayList<>();
            for (RecordedEpoch e : epochs) {
                Double v = metric.of(e.metrics());
                if (v != null) {
                    points.add(new double[] {e.metrics().epoch() + 1, v});
                }
            }
            series.add(new ChartOptions.Series(trialName.apply(trialId), points));
        });
        Map<String, Object> option = ChartOptions.lines(title, "epoch", label(metric), series);
        return series.stream().allMatch(s -> s.points().isEmpty()) ? ChartOptions.withNote(option, NO_EPOCH) : option;
    }

    /** Objective of each finished trial in trial order, with the best so far. */
    public static Map<String, Object> history(List<TrialInfo> finished, Metric objective) {
        List<double[]> points = finished.stream().filter(t -> t.objectiveValue() != null)
                .sorted(Comparator.comparingInt(TrialInfo::number))
                .map(t -> new double[] {t.number(), t.objectiveValue()}).toList();
        Map<String, Object> option = ChartOptions.history("Optimisation history", label(objective), points,
                objective.higherIsBetter());
        return points.isEmpty() ? ChartOptions.withNote(option, NO_COMPLETE_TRIAL) : option;
    }

    /**
     * Hyperparameters against the objective, one line per finished trial; the template is the first axis.
     * Parameters with one value across all trials (fixed settings) get no axis: they explain nothing.
     */
    public static Map<String, Object> parallel(List<TrialInfo> finished, Metric objective) {
        List<TrialInfo> scored = finished.stream().filter(t -> t.objectiveValue() != null).toList();
        Set<String> names = new LinkedHashSet<>();
        scored.forEach(t -> t.params().forEach(p -> names.add(p.name())));
        List<String> paramNames = new ArrayList<>(names);
        Map<String, Boolean> numeric = new LinkedHashMap<>();
        Map<String, TreeSet<String>> categories = new LinkedHashMap<>();
        for (String n : paramNames) {
            numeric.put(n, true);
            categories.put(n, new TreeSet<>());
        }
        for (TrialInfo t : scored) {
            for (TrialParam p : t.params()) {
                JsonNode v = value(p);
                if (!v.isNumber()) {
                    numeric.put(p.name(), false);
                }
                categories.get(p.name()).add(v.isTextual() ? v.asText() : v.toString());
            }
        }
        paramNames.removeIf(n -> categories.get(n).size() < 2);
        List<ChartOptions.Axis> axes = new ArrayList<>();
        axes.add(new ChartOptions.Axis("template", new ArrayList<>(new TreeSet<>(scored.stream()
                .map(TrialInfo::template).toList()))));
        for (String n : paramNames) {
            axes.add(numeric.get(n) ? ChartOptions.Axis.numeric(n) : new ChartOptions.Axis(n,
                    new ArrayList<>(categories.get(n))));
        }
        axes.add(ChartOptions.Axis.numeric(label(objective)));
        List<List<Object>> rows = new ArrayList<>();
        for (TrialInfo t : scored) {
            List<Object> row = new ArrayList<>();
            row.add(t.template());
            Map<String, TrialParam> byName = new LinkedHashMap<>();
            t.params().forEach(p -> byName.put(p.name(), p));
            for (String n : paramNames) {
                TrialParam p = byName.get(n);
                if (p == null) {
                    row.add(null);   // this template has no such parameter
                } else {
                    JsonNode v = value(p);
                    row.add(numeric.get(n) ? (Object) v.asDouble() : v.isTextual() ? v.asText() : v.toString());
                }
            }
            row.add(t.objectiveValue());
            rows.add(row);
        }
        Map<String, Object> option = ChartOptions.parallel("Hyperparameters vs " + label(objective), axes, rows);
        return rows.isEmpty() ? ChartOptions.withNote(option, NO_COMPLETE_TRIAL) : option;
    }

    /** The objective's spread and best per template, side by side. */
    public static Map<String, Object> templateComparison(Collection<String> templates, List<TrialInfo> finished,
                                                         Metric objective) {
        Map<String, double[]> values = new LinkedHashMap<>();
        for (String template : templates) {
            values.put(template, finished.stream().filter(t -> t.template().equals(template) && t.objectiveValue() != null)
                    .mapToDouble(TrialInfo::objectiveValue).toArray());
        }
        Map<String, Object> option = ChartOptions.boxes("Templates compared", label(objective), values,
                objective.higherIsBetter());
        return values.values().stream().allMatch(v -> v.length == 0) ? ChartOptions.withNote(option, NO_COMPLETE_TRIAL)
                : option;
    }

    /**
     * A trial's parameters as "name=value, ...", the searched ones first: in a narrow column the fixed settings
     * (batch_size=16, image_size=32, ...) would otherwise hide the values that tell trials apart.
     */
    public static String params(TrialInfo trial) {
        Map<Boolean, List<TrialParam>> byFixed = trial.params().stream()
                .collect(Collectors.partitioningBy(TrialCharts::fixed));   // each distribution read once
        return Stream.concat(byFixed.get(false).stream(), byFixed.get(true).stream())
                .map(p -> p.name() + "=" + valueText(p)).collect(Collectors.joining(", "));
    }

    /** A parameter's value as the pages show it: text as it is, a fraction to 4 significant digits, others as stored. */
    static String valueText(TrialParam p) {
        JsonNode v = value(p);
        return v.isTextual() ? v.asText() : v.isFloatingPointNumber()
                ? String.format(java.util.Locale.ROOT, "%.4g", v.asDouble()) : v.toString();
    }

    /** The distribution a parameter was drawn from; empty for a stored row that does not read as one. */
    static Optional<Distribution> distribution(TrialParam p) {
        try {
            return Optional.of(Distribution.fromJson(p.distributionJson()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Whether a parameter had one value to take (its distribution is a single value); unreadable: not fixed. */
    static boolean fixed(TrialParam p) {
        return distribution(p).map(Distribution::isSingle).orElse(false);
    }

    /** The metric's name on an axis. */
    public static String label(Metric metric) {
        return switch (metric) {
            case VAL_ACCURACY -> "val accuracy";
            case VAL_LOSS -> "val loss";
            case TRAIN_LOSS -> "train loss";
            case VAL_MACRO_F1 -> "val macro-F1";
            case VAL_MAP -> "val mAP";
        };
    }

    static JsonNode value(TrialParam p) {
        try {
            return JSON.readTree(p.valueJson());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored parameter " + p.name() + " is not JSON: " + p.valueJson(), e);
        }
    }
}
