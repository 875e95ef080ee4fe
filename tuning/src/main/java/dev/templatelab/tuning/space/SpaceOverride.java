package dev.templatelab.tuning.space;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A user's change to a default search space, as parsed from {@code name=value}, {@code name=low..high},
 * {@code name=a,b,c} or the JSON form, before it is typed and checked against a template. Values are strings
 * (from the CLI) or JSON values; {@link SearchSpace#withOverrides} types them per template.
 */
public sealed interface SpaceOverride {

    /** The template it applies to ({@code Clarifai_ResNext.batch_size=...}), or null for every template. */
    String template();

    /** The hyperparameter's name, or {@link SearchSpace#TEMPLATE} to choose the templates. */
    String name();

    /** Fix the parameter to one value. */
    record Fixed(String template, String name, Object value) implements SpaceOverride {
    }

    /** Choose among values. */
    record Choices(String template, String name, List<Object> values) implements SpaceOverride {
        public Choices {
            values = Collections.unmodifiableList(new ArrayList<>(values));
        }
    }

    /**
     * A range.
     *
     * @param log  true/false to force, null to keep the default space's log-ness
     * @param step grid spacing, or null to keep the default space's (when it still divides the range)
     */
    record Range(String template, String name, Object low, Object high, Boolean log, Object step)
            implements SpaceOverride {
    }
}
