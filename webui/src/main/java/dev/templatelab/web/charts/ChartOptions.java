package dev.templatelab.web.charts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builders of the ECharts options TemplateLab draws: lines, scatter history, parallel coordinates, box plots, heat maps. */
public final class ChartOptions {

    /**
     * Characters of category names (the longest times their number) that fit side by side under a box plot at fontSize
     * 10 in the experiment page's narrowest chart (420 px): two template names do, three long ones do not.
     */
    static final int CATEGORY_CHARS_SIDE_BY_SIDE = 70;

    /** Degrees the parallel axes' names are slanted: at 30 one rises more than its height before the next begins. */
    static final int PARALLEL_NAME_ROTATION = 30;

    /** Characters a line of the first parallel axis's names holds: two lines hold the longest template names. */
    static final int FIRST_AXIS_LINE_CHARS = 20;

    /** Width of an 11 px character, a little generous (Chromium's sans-serif measured 5 to 5.8). */
    private static final int CHAR_PX = 6;

    /** A parallel chart's width in a 1400 px window (two charts a row): the spacing inner category names are cut to. */
    static final int TYPICAL_PARALLEL_WIDTH = 530;

    /** Room right of the last parallel axis for its slanted name ("val accuracy"). */
    private static final int PARALLEL_RIGHT = 70;
    private static final int AXIS_LABEL_MARGIN = 8;

    private ChartOptions() {
    }

    /** A named series of (x, y) points. */
    public record Series(String name, List<double[]> points) {
    }

    /** Line chart of several series over a numeric x axis (learning curves). */
    public static Map<String, Object> lines(String title, String xName, String yName, List<Series> series) {
        Map<String, Object> option = base(title);
        option.put("tooltip", Map.of("trigger", "axis"));
        option.put("legend", Map.of("type", "scroll", "bottom", 0));
        option.put("xAxis", Map.of("type", "value", "name", xName, "minInterval", 1));
        option.put("yAxis", Map.of("type", "value", "name", yName, "scale", true));
        List<Object> s = new ArrayList<>();
        for (Series one : series) {
            s.add(Map.of("name", one.name(), "type", "line", "showSymbol", true, "data", points(one.points())));
        }
        option.put("series", s);
        return option;
    }

    /** Optimisation history: each trial's objective as a dot, the best so far as a step line. */
    public static Map<String, Object> history(String title, String objective, List<double[]> trialObjective,
                                              boolean higherIsBetter) {
        List<double[]> best = new ArrayList<>();
        double incumbent = Double.NaN;
        for (double[] p : trialObjective) {
            if (Double.isNaN(incumbent) || (higherIsBetter ? p[1] > incumbent : p[1] < incumbent)) {
                incumbent = p[1];
            }
            best.add(new double[] {p[0], incumbent});
        }
        Map<String, Object> option = base(title);
        option.put("tooltip", Map.of("trigger", "item"));
        option.put("legend", Map.of("bottom", 0));
        option.put("xAxis", Map.of("type", "value", "name", "trial", "minInterval", 1));
        option.put("yAxis", Map.of("type", "value", "name", objective, "scale", true));
        option.put("series", List.of(
                Map.of("name", "trial", "type", "scatter", "data", points(trialObjective)),
                Map.of("name", "best so far", "type", "line", "step", "end", "showSymbol", false, "data", points(best))));
        return option;
    }

    /** One axis of a parallel-coordinates chart: numeric, or categorical with its values in order. */
    public record Axis(String name, List<String> categories) {
        public static Axis numeric(String name) {
            return new Axis(name, null);
        }
    }

    /** Parallel coordinates: one line per trial across the axes (the last usually the objective). */
    public static Map<String, Object> parallel(String title, List<Axis> axes, List<List<Object>> rows) {
        Map<String, Object> option = base(title);
        // ECharts puts every parallel axis's labels on its right (axisLabel.inside is ignored there), so long template
        // names ran over the next axes. The first axis's names stand whole on its left instead, right-aligned in a margin
        // sized to them (a negative margin moves the labels' anchor left of the axis), wrapped at '_' or camelCase words;
        // its rows give their value as the category's index, as the label is no longer the name.
        List<String> firstCategories = axes.isEmpty() || axes.get(0).categories() == null ? null : axes.get(0).categories();
        List<String> firstLabels = firstCategories == null ? List.of()
                : firstCategories.stream().map(ChartOptions::wrapped).toList();
        int firstWidth = CHAR_PX * firstLabels.stream().flatMap(String::lines).mapToInt(String::length).max().orElse(0);
        int left = Math.max(60, firstWidth + AXIS_LABEL_MARGIN + 6);
        // Inner category names stay right of their axis, cut short ("sgd_w...") before the next one at the usual spacing,
        // but never below five characters ("false").
        int spacing = (TYPICAL_PARALLEL_WIDTH - left - PARALLEL_RIGHT) / Math.max(1, axes.size() - 1);
        int innerWidth = Math.max(spacing - AXIS_LABEL_MARGIN - 4, 5 * CHAR_PX);
        List<Object> dims = new ArrayList<>();
        for (int i = 0; i < axes.size(); i++) {
            Axis a = axes.get(i);
            Map<String, Object> dim = new LinkedHashMap<>();
            dim.put("dim", i);
            dim.put("name", a.name());
            // Slanted, so a parameter's whole name fits above its axis: level, ECharts cut each to the space between
            // two axes ("head_dr...", "base_gr...").
            dim.put("nameRotate", PARALLEL_NAME_ROTATION);
            dim.put("nameTruncate", Map.of("maxWidth", 180));
            dim.put("nameTextStyle", Map.of("fontSize", 11));
            if (a.categories() != null) {
                dim.put("type", "category");
                dim.put("data", i == 0 ? firstLabels : a.categories());
                // lineHeight given: ECharts measures one on a CJK glyph, which a browser without CJK fonts draws 0 high
                dim.put("axisLabel", i == 0
                        ? Map.of("align", "right", "margin", -AXIS_LABEL_MARGIN, "fontSize", 11, "lineHeight", 13)
                        : Map.of("width", innerWidth, "overflow", "truncate", "fontSize", 11));
            } else {
                dim.put("scale", true);
            }
            dims.add(dim);
        }
        option.put("parallelAxis", dims);
        option.put("parallel", Map.of("left", left, "right", PARALLEL_RIGHT, "top", 90, "bottom", 30));   // room for names
        List<List<Object>> data = firstCategories == null ? rows : rows.stream().map(row -> {
            List<Object> r = new ArrayList<>(row);
            r.set(0, firstCategories.indexOf(row.get(0)));
            return r;
        }).toList();
        option.put("series", List.of(Map.of("type", "parallel", "lineStyle", Map.of("width", 1.5, "opacity", 0.6),
                "data", data)));
        return option;
    }

    /**
     * A name as lines of at most {@link #FIRST_AXIS_LINE_CHARS} characters, broken after '_' ("MMClassification_" /
     * "ResNet_50_RSB_A1"), and between camelCase words only in a part too long for a line ("Clarifai_Inception" /
     * "TransferEmbedNorm"); a longer unbroken word keeps a line of its own.
     */
    static String wrapped(String name) {
        List<String> words = new ArrayList<>();
        for (String part : name.split("(?<=_)")) {
            words.addAll(Arrays.asList(part.length() > FIRST_AXIS_LINE_CHARS ? part.split("(?<=[a-z])(?=[A-Z])")
                    : new String[] {part}));
        }
        StringBuilder out = new StringBuilder();
        int lineStart = 0;
        for (String word : words) {
            if (out.length() > lineStart && out.length() - lineStart + word.length() > FIRST_AXIS_LINE_CHARS) {
                out.append('\n');
                lineStart = out.length();
            }
            out.append(word);
        }
        return out.toString();
    }

    /** Five-number summary of a sample (min, q1, median, q3, max), computed here: ECharts' own transform drew nothing. */
    public static double[] quartiles(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return new double[] {v[0], quantile(v, 0.25), quantile(v, 0.5), quantile(v, 0.75), v[v.length - 1]};
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /** Box plot of each category's values with its best value marked: templates side by side. */
    public static Map<String, Object> boxes(String title, String yName, Map<String, double[]> valuesByCategory,
                                            boolean higherIsBetter) {
        List<String> names = new ArrayList<>(valuesByCategory.keySet());
        List<Object> boxes = new ArrayList<>();
        List<Object> best = new ArrayList<>();
        for (String name : names) {
            double[] v = valuesByCategory.get(name);
            if (v.length == 0) {
                boxes.add(List.of());
                best.add(null);
                continue;
            }
            double[] q = quartiles(v);
            boxes.add(List.of(q[0], q[1], q[2], q[3], q[4]));
            best.add(higherIsBetter ? q[4] : q[0]);
        }
        Map<String, Object> option = base(title);
        option.put("tooltip", Map.of("trigger", "item"));
        option.put("legend", Map.of("bottom", 0));
        // Every name is shown; when they would not fit side by side in a half-width chart (three templates' names
        // ran into each other), they are slanted and the plot leaves them room.
        int longest = names.stream().mapToInt(String::length).max().orElse(0);
        boolean crowded = longest * names.size() > CATEGORY_CHARS_SIDE_BY_SIDE;
        option.put("xAxis", Map.of("type", "category", "data", names, "axisLabel", crowded
                ? Map.of("interval", 0, "fontSize", 10, "rotate", 20) : Map.of("interval", 0, "fontSize", 10)));
        if (crowded) {
            option.put("grid", Map.of("containLabel", true, "left", 40, "right", 40, "bottom", 40));
        }
        option.put("yAxis", Map.of("type", "value", "name", yName, "scale", true));
        option.put("series", List.of(
                Map.of("name", "spread", "type", "boxplot", "data", boxes),
                Map.of("name", "best", "type", "scatter", "symbolSize", 12, "data", best)));
        return option;
    }

    /** Heat map of a square matrix (confusion matrix: rows true class, columns predicted). */
    public static Map<String, Object> heatmap(String title, List<String> labels, long[][] matrix) {
        List<Object> cells = new ArrayList<>();
        long max = 1;
        for (int i = 0; i < matrix.length; i++) {
            for (int j = 0; j < matrix[i].length; j++) {
                cells.add(List.of(j, i, matrix[i][j]));
                max = Math.max(max, matrix[i][j]);
            }
        }
        Map<String, Object> option = base(title);
        option.put("tooltip", Map.of("position", "top"));
        option.put("xAxis", Map.of("type", "category", "data", labels, "name", "predicted", "splitArea", Map.of("show", true)));
        option.put("yAxis", Map.of("type", "category", "data", labels, "name", "true", "inverse", true,
                "splitArea", Map.of("show", true)));
        option.put("visualMap", Map.of("min", 0, "max", max, "calculable", true, "orient", "vertical", "right", 0,
                "top", "middle"));
        option.put("grid", Map.of("left", 60, "right", 90, "top", 50, "bottom", 40));
        option.put("series", List.of(Map.of("type", "heatmap", "data", cells, "label", Map.of("show", matrix.length <= 12))));
        return option;
    }

    /** A note in the middle of a chart that has nothing to draw yet, instead of bare axes. */
    public static Map<String, Object> withNote(Map<String, Object> option, String note) {
        option.put("graphic", Map.of("type", "text", "left", "center", "top", "middle",
                "style", Map.of("text", note, "fontSize", 14, "fill", "#6b7280")));
        return option;
    }

    private static Map<String, Object> base(String title) {
        Map<String, Object> option = new LinkedHashMap<>();
        option.put("title", Map.of("text", title, "textStyle", Map.of("fontSize", 14)));
        option.put("animation", false);
        return option;
    }

    private static List<Object> points(List<double[]> points) {
        List<Object> data = new ArrayList<>();
        for (double[] p : points) {
            data.add(List.of(p[0], p[1]));
        }
        return data;
    }
}
