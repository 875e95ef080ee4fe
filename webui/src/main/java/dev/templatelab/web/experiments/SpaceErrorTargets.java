package dev.templatelab.web.experiments;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which template parameters a search-space refusal names, so the form can mark their fields. The launcher and
 * the space parser write the parameter in a few shapes: qualified ({@code 'Template.name': ...}, {@code search
 * space JSON, 'Template.name': ...}), after the template ({@code search space of Template: name must be ...},
 * {@code ...: name: low 0.5 is above high 0.1}, {@code ...: unknown hyperparameter 'name'}), before it
 * ({@code num_epochs of Template goes up to ...}) or alone ({@code pretrained_weights: ...}).
 */
final class SpaceErrorTargets {

    private static final String SPACE_OF = "search space of ";

    private SpaceErrorTargets() {
    }

    /**
     * The parameters {@code message} names, by template.
     *
     * @param parameters each selected template's parameter names (its editors and the names the request set)
     */
    static Map<String, Set<String>> named(String message, Map<String, ? extends Collection<String>> parameters) {
        Map<String, Set<String>> named = new LinkedHashMap<>();
        parameters.forEach((template, names) -> names.forEach(name -> {
            if (position(message, template + "." + name) >= 0) {
                named.computeIfAbsent(template, t -> new LinkedHashSet<>()).add(name);
            }
        }));
        if (!named.isEmpty()) {
            return named;
        }
        // Unqualified: the message's first parameter name, for the templates it names (all when it names none).
        List<String> templates = parameters.keySet().stream().filter(t -> position(message, t) >= 0).toList();
        for (String template : templates.isEmpty() ? List.copyOf(parameters.keySet()) : templates) {
            int of = message.indexOf(SPACE_OF + template + ": ");
            // After "search space of T: " the parameter comes first; "known: a, b, ..." lists later must not count.
            String text = of < 0 ? message : message.substring(of + SPACE_OF.length() + template.length() + 2);
            String first = null;
            int firstAt = Integer.MAX_VALUE;
            for (String name : parameters.get(template)) {
                int at = position(text, name);
                if (at >= 0 && at < firstAt) {
                    first = name;
                    firstAt = at;
                }
            }
            if (first != null) {
                named.computeIfAbsent(template, t -> new LinkedHashSet<>()).add(first);
            }
        }
        return named;
    }

    /** Where {@code word} first stands on its own in {@code text} (lrate is not in per_item_lrate), or -1. */
    static int position(String text, String word) {
        for (int at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
            int end = at + word.length();
            if ((at == 0 || !wordChar(text.charAt(at - 1))) && (end == text.length() || !wordChar(text.charAt(end)))) {
                return at;
            }
        }
        return -1;
    }

    private static boolean wordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
