package dev.templatelab.web.experiments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import dev.templatelab.storage.trials.TrialEvaluation;
import dev.templatelab.web.charts.ChartOptions;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A trial's stored evaluation (training's {@code Evaluation} JSON: per-class precision, recall, F1 and
 * support; confusion matrix rows = true class) as a grid and a heat map.
 */
public final class Evaluations {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Evaluations() {
    }

    /**
     * The per-class fields in the order training writes them, with their headers. The database keeps the JSON as
     * jsonb, which reorders an object's keys (shortest first: f1, class, recall, ...), so the grid orders them itself.
     */
    private static final Map<String, String> HEADERS = orderedHeaders("class", "Class", "precision", "Precision",
            "recall", "Recall", "f1", "F1", "support", "Support", "averagePrecision", "AP", "rocAuc", "ROC-AUC");

    /** Per-class metrics: one row per class, one column per field of the stored JSON (known fields first, in order). */
    public static Grid<Map<String, String>> perClassGrid(TrialEvaluation evaluation) {
        List<Map<String, String>> rows = new ArrayList<>();
        for (JsonNode row : perClassRows(evaluation)) {
            Map<String, String> cells = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                JsonNode v = f.getValue();
                cells.put(f.getKey(), v.isFloatingPointNumber() ? String.format(Locale.ROOT, "%.3f", v.asDouble())
                        : v.isValueNode() ? v.asText() : v.toString());
            }
            rows.add(cells);
        }
        Grid<Map<String, String>> grid = new Grid<>();
        Set<String> keys = new LinkedHashSet<>();
        HEADERS.keySet().stream().filter(k -> rows.stream().anyMatch(r -> r.containsKey(k))).forEach(keys::add);
        rows.forEach(r -> keys.addAll(r.keySet()));
        for (String key : keys) {
            grid.addColumn(r -> r.getOrDefault(key, "")).setHeader(HEADERS.getOrDefault(key, key)).setKey(key)
                    .setAutoWidth(true).setSortable(true).setComparator(r -> sortable(r.getOrDefault(key, "")));
        }
        grid.setItems(rows);
        grid.addThemeVariants(GridVariant.LUMO_COMPACT);
        grid.setAllRowsVisible(rows.size() <= 20);
        return grid;
    }

    /** The confusion matrix as a heat map, labelled with {@code classes} (or the per-class names when present). */
    public static Map<String, Object> confusionMatrix(TrialEvaluation evaluation, List<String> classes) {
        JsonNode matrix = read(evaluation.confusionMatrixJson());
        if (matrix.isObject() && matrix.has("matrix")) {
            matrix = matrix.get("matrix");
        }
        if (!matrix.isArray() || matrix.isEmpty()) {
            return null;
        }
        long[][] counts = new long[matrix.size()][];
        for (int i = 0; i < matrix.size(); i++) {
            counts[i] = new long[matrix.get(i).size()];
            for (int j = 0; j < counts[i].length; j++) {
                counts[i][j] = matrix.get(i).get(j).asLong();
            }
        }
        List<String> labels = new ArrayList<>();
        List<JsonNode> perClass = perClassRows(evaluation);
        for (int i = 0; i < counts.length; i++) {
            String name = i < perClass.size() && perClass.get(i).has("class") ? perClass.get(i).get("class").asText()
                    : i < classes.size() ? classes.get(i) : Integer.toString(i);
            labels.add(name);
        }
        return ChartOptions.heatmap("Confusion matrix", labels, counts);
    }

    private static List<JsonNode> perClassRows(TrialEvaluation evaluation) {
        JsonNode perClass = read(evaluation.perClassMetricsJson());
        if (perClass.isObject() && perClass.has("perClass")) {
            perClass = perClass.get("perClass");
        }
        List<JsonNode> rows = new ArrayList<>();
        if (perClass.isArray()) {
            perClass.forEach(rows::add);
        } else if (perClass.isObject()) {
            // {"cat": {...}, "dog": {...}}
            perClass.fields().forEachRemaining(f -> {
                var row = JSON.createObjectNode().put("class", f.getKey());
                if (f.getValue().isObject()) {
                    row.setAll((com.fasterxml.jackson.databind.node.ObjectNode) f.getValue());
                }
                rows.add(row);
            });
        }
        return rows;
    }

    private static Map<String, String> orderedHeaders(String... keyAndHeader) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < keyAndHeader.length; i += 2) {
            headers.put(keyAndHeader[i], keyAndHeader[i + 1]);
        }
        return headers;
    }

    private static Double sortable(String cell) {
        try {
            return Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static JsonNode read(String json) {
        try {
            return json == null ? JSON.nullNode() : JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return JSON.nullNode();
        }
    }
}
