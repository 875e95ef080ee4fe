package dev.templatelab.storage.trials;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A trial to enqueue: the template it trains and its hyperparameters. */
public record NewTrial(String template, List<TrialParam> params) {

    /** Requires a template name and distinct parameter names. */
    public NewTrial {
        if (template == null || template.isBlank() || template.length() > 100) {
            throw new IllegalArgumentException("trial template must be 1-100 characters, got: " + template);
        }
        params = params == null ? List.of() : List.copyOf(params);
        Set<String> names = new HashSet<>();
        for (TrialParam p : params) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("trial of " + template + " has parameter " + p.name() + " twice");
            }
        }
    }
}
