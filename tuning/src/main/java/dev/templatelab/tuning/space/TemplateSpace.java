package dev.templatelab.tuning.space;

import dev.templatelab.architectures.TemplateRegistry;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters tuned for one template, each with its distribution, in a fixed order. Parameters not listed
 * keep the template's defaults. Every distribution is validated against the template's hyperparameter schema.
 *
 * @param template   the template's name (must be registered)
 * @param parameters hyperparameter name -> distribution, in the map's iteration order (pass a LinkedHashMap)
 */
public record TemplateSpace(String template, Map<String, Distribution> parameters) {

    private static final TemplateRegistry REGISTRY = TemplateRegistry.standard();

    public TemplateSpace {
        REGISTRY.get(template);
        Map<String, Distribution> checked = new LinkedHashMap<>();
        parameters.forEach((name, d) -> checked.put(name, SpaceRules.validated(template, name, d)));
        parameters = Collections.unmodifiableMap(checked);
    }

    /** The distribution of {@code name}, or null when the parameter is not tuned. */
    public Distribution parameter(String name) {
        return parameters.get(name);
    }

    /** A copy with {@code name} set to {@code distribution} (added at the end if new). */
    public TemplateSpace with(String name, Distribution distribution) {
        Map<String, Distribution> copy = new LinkedHashMap<>(parameters);
        copy.put(name, distribution);
        return new TemplateSpace(template, copy);
    }

    /** Whether {@code params} could have been sampled from this space (same names, every value contained). */
    public boolean contains(Map<String, Object> params) {
        return params.keySet().equals(parameters.keySet())
                && parameters.entrySet().stream().allMatch(e -> e.getValue().contains(params.get(e.getKey())));
    }
}
