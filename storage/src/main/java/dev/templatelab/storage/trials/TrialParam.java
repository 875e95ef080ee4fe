package dev.templatelab.storage.trials;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One hyperparameter of a trial, as Optuna stores it: the value as JSON ({@code 0.01}, {@code 3},
 * {@code "adam"}), its internal number (the value itself, or the index of a categorical choice) and
 * the distribution it was drawn from, as JSON.
 */
public record TrialParam(String name, String valueJson, double internalValue, String distributionJson) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Checks that the name is usable and both JSON texts parse. */
    public TrialParam {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new IllegalArgumentException("parameter name must be 1-200 characters, got: " + name);
        }
        requireJson(name, "value", valueJson);
        requireJson(name, "distribution", distributionJson);
    }

    /** A float or int parameter: its JSON and internal value are the number itself. */
    public static TrialParam ofNumber(String name, Number value, String distributionJson) {
        return new TrialParam(name, value.toString(), value.doubleValue(), distributionJson);
    }

    /** A categorical parameter: the choice as JSON, the internal value its index among the choices. */
    public static TrialParam ofChoice(String name, Object choice, int index, String distributionJson) {
        try {
            return new TrialParam(name, JSON.writeValueAsString(choice), index, distributionJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("parameter " + name + ": choice " + choice + " is not JSON-able", e);
        }
    }

    private static void requireJson(String name, String what, String json) {
        try {
            if (json == null || JSON.readTree(json) == null) {
                throw new IllegalArgumentException("parameter " + name + " has no " + what + " JSON");
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("parameter " + name + ": " + what + " is not valid JSON: " + json, e);
        }
    }
}
