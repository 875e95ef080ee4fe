package dev.templatelab.storage.experiments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;

import java.util.List;
import java.util.Objects;

/**
 * An experiment to create: which dataset, which templates, the search space as JSON (parameter name
 * -> distribution), sampler and pruner names, budget, objective metric and direction, how many
 * trials run at once, and who owns it (may be null).
 */
public record NewExperiment(String name, long datasetId, List<String> templates, String searchSpaceJson,
                            String sampler, String pruner, Budget budget, Metric objective, Direction direction,
                            int parallelism, String owner) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Checks names, lengths, JSON and parallelism. */
    public NewExperiment {
        requireText("name", name, 200);
        templates = List.copyOf(Objects.requireNonNull(templates, "templates"));
        if (templates.isEmpty()) {
            throw new IllegalArgumentException("experiment " + name + " needs at least one template");
        }
        requireText("sampler", sampler, 100);
        requireText("pruner", pruner, 100);
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(direction, "direction");
        budget = budget == null ? Budget.unlimited() : budget;
        if (parallelism < 1) {
            throw new IllegalArgumentException("experiment " + name + ": parallelism must be >= 1, got " + parallelism);
        }
        try {
            JsonNode space = searchSpaceJson == null ? null : JSON.readTree(searchSpaceJson);
            if (space == null || !space.isObject()) {
                throw new IllegalArgumentException("experiment " + name
                        + ": search space must be a JSON object (parameter -> distribution), got " + searchSpaceJson);
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("experiment " + name + ": search space is not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (owner != null && owner.length() > 200) {
            throw new IllegalArgumentException("experiment " + name + ": owner longer than 200 characters");
        }
    }

    private static void requireText(String what, String value, int max) {
        if (value == null || value.isBlank() || value.length() > max) {
            throw new IllegalArgumentException("experiment " + what + " must be 1-" + max + " characters, got: " + value);
        }
    }
}
