package dev.templatelab.tuning.space;

/**
 * A parameter of a search space, as a refusal names it.
 *
 * @param template the template, or null for an entry that applies to every template ({@code lrate=...})
 * @param name     the hyperparameter's name, or {@link SearchSpace#TEMPLATE}
 */
public record SpaceParameter(String template, String name) {

    /** The key as a request's search space writes it: {@code Template.name}, or {@code name}. */
    @Override
    public String toString() {
        return template == null ? name : template + "." + name;
    }
}
