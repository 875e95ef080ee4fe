package dev.templatelab.tuning.space;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the CLI/REST syntax and the JSON form of search-space overrides.
 *
 * <pre>
 *   name=value                 fixed
 *   name=low..high             range, keeping the default's log-ness and step
 *   name=log:low..high         log range ({@code lin:} forces a linear one)
 *   name=low..high:step        stepped range
 *   name=a,b,c                 choices
 *   Template.name=...          only for that template
 *   template=A,B               the templates to search over
 *   {"name": value | {"low": .., "high": .., "log": bool, "step": ..} | [choices]}
 * </pre>
 */
public final class SpaceOverrides {

    private static final String SYNTAX = "expected name=value, name=low..high, name=log:low..high, "
            + "name=low..high:step or name=a,b,c";
    private static final Set<String> RANGE_KEYS = Set.of("low", "high", "log", "step");

    private SpaceOverrides() {
    }

    /** Parses each entry of {@code name=value} syntax. */
    public static List<SpaceOverride> parse(List<String> entries) {
        return entries.stream().map(SpaceOverrides::parse).toList();
    }

    /** Parses one {@code name=value} entry. */
    public static SpaceOverride parse(String entry) {
        int eq = entry.indexOf('=');
        if (eq < 0) {
            throw error(entry, "no '='");
        }
        String key = entry.substring(0, eq).trim();
        String value = entry.substring(eq + 1).trim();
        if (key.isEmpty() || value.isEmpty()) {
            throw error(entry, key.isEmpty() ? "no name" : "no value");
        }
        String[] target = target(key, entry);
        String template = target[0];
        String name = target[1];
        if (value.contains("..")) {
            return parseRange(entry, template, name, value);
        }
        if (value.contains(",")) {
            List<Object> choices = new ArrayList<>();
            for (String choice : value.split(",", -1)) {
                if (choice.isBlank()) {
                    throw error(entry, "an empty choice");
                }
                choices.add(choice.trim());
            }
            return new SpaceOverride.Choices(template, name, choices);
        }
        if (value.startsWith("log:") || value.startsWith("lin:")) {
            throw error(entry, "'" + value.substring(0, 4) + "' needs a range low..high");
        }
        return new SpaceOverride.Fixed(template, name, value);
    }

    /** Parses the JSON form: an object of parameter name -> value, range object or list of choices. */
    public static List<SpaceOverride> parseJson(String json) {
        JsonNode root;
        try {
            root = SpaceJson.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("search space is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("search space JSON must be an object of parameter name -> value, "
                    + "{\"low\":..,\"high\":..} or [choices]");
        }
        List<SpaceOverride> overrides = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String[] target = target(field.getKey(), field.getKey());
            overrides.add(fromJson(target[0], target[1], field.getValue()));
        }
        return overrides;
    }

    private static SpaceOverride fromJson(String template, String name, JsonNode node) {
        SpaceParameter at = new SpaceParameter(template, name);
        // The key as the request wrote it (Template.name too), so a person can find the entry at fault.
        String where = "search space JSON, '" + at + "': ";
        if (node.isArray()) {
            List<Object> choices = new ArrayList<>();
            node.forEach(choice -> choices.add(scalar(at, where, choice)));
            return new SpaceOverride.Choices(template, name, choices);
        }
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(key -> {
                if (!RANGE_KEYS.contains(key)) {
                    throw new InvalidSpaceException(at,
                            where + "unknown key '" + key + "'; a range has low, high, log, step");
                }
            });
            if (!node.has("low") || !node.has("high")) {
                throw new InvalidSpaceException(at, where + "a range needs both \"low\" and \"high\"");
            }
            JsonNode log = node.get("log");
            if (log != null && !log.isNull() && !log.isBoolean()) {
                throw new InvalidSpaceException(at, where + "\"log\" must be true or false, got " + log);
            }
            JsonNode step = node.get("step");
            return new SpaceOverride.Range(template, name, number(at, where, node.get("low")),
                    number(at, where, node.get("high")), log == null || log.isNull() ? null : log.booleanValue(),
                    step == null || step.isNull() ? null : number(at, where, step));
        }
        return new SpaceOverride.Fixed(template, name, scalar(at, where, node));
    }

    private static SpaceOverride parseRange(String entry, String template, String name, String value) {
        Boolean log = null;
        String rest = value;
        if (rest.startsWith("log:") || rest.startsWith("lin:")) {
            log = rest.startsWith("log:");
            rest = rest.substring(4);
        }
        String step = null;
        int colon = rest.indexOf(':');
        if (colon >= 0) {
            step = rest.substring(colon + 1).trim();
            rest = rest.substring(0, colon);
            if (step.isEmpty()) {
                throw error(entry, "an empty step after ':'");
            }
        }
        int dots = rest.indexOf("..");
        if (dots < 0) {   // "Log:1e-4..1e-2", "loguniform:...": the '..' went into what looked like a step
            throw error(entry, "a range must be low..high, log:low..high or low..high:step (log: in lower case)");
        }
        String low = rest.substring(0, dots).trim();
        String high = rest.substring(dots + 2).trim();
        if (low.isEmpty() || high.isEmpty() || high.startsWith(".") || high.contains("..")) {
            throw error(entry, "a range must be low..high");
        }
        return new SpaceOverride.Range(template, name, low, high, log, step);
    }

    /** "Template.name" -> [Template, name]; "name" -> [null, name]. */
    private static String[] target(String key, String entry) {
        int dot = key.indexOf('.');
        if (dot < 0) {
            return new String[] {null, key};
        }
        String template = key.substring(0, dot).trim();
        String name = key.substring(dot + 1).trim();
        if (template.isEmpty() || name.isEmpty() || name.contains(".")) {
            throw error(entry, "a name must be 'name' or 'Template.name'");
        }
        return new String[] {template, name};
    }

    private static Object scalar(SpaceParameter at, String where, JsonNode node) {
        if (node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        throw new InvalidSpaceException(at, where + "expected a number, boolean or string, got " + node);
    }

    private static Object number(SpaceParameter at, String where, JsonNode node) {
        if (node == null || !node.isNumber()) {
            throw new InvalidSpaceException(at, where + "range bounds and step must be numbers, got " + node);
        }
        return node.numberValue();
    }

    private static IllegalArgumentException error(String entry, String problem) {
        return new IllegalArgumentException("cannot parse search-space entry '" + entry + "' (" + problem + "): " + SYNTAX);
    }
}
