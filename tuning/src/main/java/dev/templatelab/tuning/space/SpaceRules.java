package dev.templatelab.tuning.space;

import dev.templatelab.training.hyper.HyperparameterDef;
import dev.templatelab.training.hyper.HyperparameterSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a parameter's distribution against the training schema: the name must be a known hyperparameter, the
 * distribution type must fit its type, and every bound or choice must pass the template's
 * {@link HyperparameterDef#check}. The message names the template, the parameter and the allowed range; the
 * {@link InvalidSpaceException} names the parameter as data too.
 */
final class SpaceRules {

    private SpaceRules() {
    }

    /** The distribution with its choices normalised (64.0 -> 64 for an integer parameter), or an error. */
    static Distribution validated(String template, String name, Distribution distribution) {
        HyperparameterDef def = definition(template, name);
        if (distribution instanceof FloatDistribution f) {
            requireType(template, def, HyperparameterDef.Type.FLOAT, "a float range");
            checkBound(template, def, f.low(), "low");
            checkBound(template, def, f.high(), "high");
            return f;
        }
        if (distribution instanceof IntDistribution i) {
            requireType(template, def, HyperparameterDef.Type.INT, "an integer range");
            checkBound(template, def, i.low(), "low");
            checkBound(template, def, i.high(), "high");
            return i;
        }
        List<Object> normalised = new ArrayList<>();
        for (Object choice : ((CategoricalDistribution) distribution).choices()) {
            normalised.add(typed(template, def, choice));
        }
        return rebuild(template, name, () -> new CategoricalDistribution(normalised));
    }

    /** The schema's definition for the template, or "unknown hyperparameter" with the known names. */
    static HyperparameterDef definition(String template, String name) {
        try {
            return HyperparameterSchema.definition(template, name);
        } catch (IllegalArgumentException e) {
            throw refused(template, name, e.getMessage(), e);
        }
    }

    /**
     * A user's value as the parameter's type: strings (from the CLI) are parsed, other values (from JSON)
     * checked; integers must be whole numbers (the schema's check would silently truncate 1.5).
     */
    static Object typed(String template, HyperparameterDef def, Object raw) {
        try {
            if (raw instanceof String s && def.type() != HyperparameterDef.Type.CHOICE
                    && def.type() != HyperparameterDef.Type.TEXT) {
                return def.parse(s);
            }
            if (def.type() == HyperparameterDef.Type.INT && raw instanceof Number n
                    && n.doubleValue() != Math.rint(n.doubleValue())) {
                throw new IllegalArgumentException(def.name() + " must be a whole number, got " + raw);
            }
            return def.check(raw);
        } catch (IllegalArgumentException e) {
            throw refused(template, def.name(), e.getMessage(), e);
        }
    }

    /** Builds a distribution; its own errors (low above high, step not dividing) get the parameter's name. */
    static <D extends Distribution> D rebuild(String template, String name, java.util.function.Supplier<D> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw refused(template, name, name + ": " + e.getMessage(), e);
        }
    }

    private static void requireType(String template, HyperparameterDef def, HyperparameterDef.Type type, String what) {
        if (def.type() != type) {
            throw refused(template, def.name(), def.name() + " is " + def.allowed() + "; it cannot take " + what
                    + (def.type() == HyperparameterDef.Type.INT || def.type() == HyperparameterDef.Type.FLOAT
                    ? "" : ", only a value or a list of choices"), null);
        }
    }

    private static void checkBound(String template, HyperparameterDef def, double bound, String which) {
        Object value = def.type() == HyperparameterDef.Type.INT ? (Object) (long) bound : (Object) bound;
        try {
            def.check(value);
        } catch (IllegalArgumentException e) {
            throw refused(template, def.name(), e.getMessage() + " (the range's " + which + ")", e);
        }
    }

    /** A refusal of {@code name} in {@code template}'s space: "search space of Template: " and {@code what}. */
    static InvalidSpaceException refused(String template, String name, String what, Throwable cause) {
        return new InvalidSpaceException(new SpaceParameter(template, name),
                "search space of " + template + ": " + what, cause);
    }
}
