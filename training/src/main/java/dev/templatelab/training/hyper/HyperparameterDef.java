package dev.templatelab.training.hyper;

import java.util.List;
import java.util.Locale;

/**
 * One hyperparameter: its Clarifai name, type and allowed values. Parsing a user's string or checking a
 * value fails with a message that names the parameter and states what is allowed.
 *
 * @param name        Clarifai's name, e.g. {@code per_item_lrate}
 * @param type        how the value is written
 * @param min         smallest allowed number (INT, FLOAT)
 * @param max         largest allowed number (INT, FLOAT)
 * @param minExclusive whether {@code min} itself is excluded (learning rates must be > 0)
 * @param choices     allowed words (CHOICE)
 * @param description one line for help texts and the UI
 */
public record HyperparameterDef(String name, Type type, double min, double max, boolean minExclusive,
                                List<String> choices, String description) {

    public enum Type { INT, FLOAT, BOOL, CHOICE, TEXT }

    public HyperparameterDef {
        choices = List.copyOf(choices);
    }

    static HyperparameterDef integer(String name, long min, long max, String description) {
        return new HyperparameterDef(name, Type.INT, min, max, false, List.of(), description);
    }

    static HyperparameterDef real(String name, double min, double max, String description) {
        return new HyperparameterDef(name, Type.FLOAT, min, max, false, List.of(), description);
    }

    static HyperparameterDef positive(String name, double max, String description) {
        return new HyperparameterDef(name, Type.FLOAT, 0, max, true, List.of(), description);
    }

    static HyperparameterDef bool(String name, String description) {
        return new HyperparameterDef(name, Type.BOOL, 0, 1, false, List.of(), description);
    }

    static HyperparameterDef choice(String name, List<String> choices, String description) {
        return new HyperparameterDef(name, Type.CHOICE, 0, 0, false, choices, description);
    }

    static HyperparameterDef text(String name, String description) {
        return new HyperparameterDef(name, Type.TEXT, 0, 0, false, List.of(), description);
    }

    /** The same parameter with other numeric bounds (templates narrow e.g. batch_size). */
    HyperparameterDef withRange(double newMin, double newMax) {
        return new HyperparameterDef(name, type, newMin, newMax, minExclusive, choices, description);
    }

    /** Parses a user-supplied string ({@code --set name=value}). */
    public Object parse(String raw) {
        String v = raw.trim();
        try {
            return check(switch (type) {
                case INT -> {
                    double d = Double.parseDouble(v);
                    if (d != Math.rint(d)) {
                        throw new IllegalArgumentException(name + " must be a whole number, got '" + raw + "'");
                    }
                    yield (int) d;
                }
                case FLOAT -> Double.parseDouble(v);
                case BOOL -> switch (v.toLowerCase(Locale.ROOT)) {
                    case "true", "1", "yes" -> true;
                    case "false", "0", "no" -> false;
                    default -> throw new IllegalArgumentException(name + " must be true or false, got '" + raw + "'");
                };
                case CHOICE, TEXT -> v;
            });
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be " + allowed() + ", got '" + raw + "'");
        }
    }

    /** Checks a typed value (defaults, values from a search space) and returns it normalised. */
    public Object check(Object value) {
        switch (type) {
            case INT, FLOAT -> {
                if (!(value instanceof Number n)) {
                    throw new IllegalArgumentException(name + " must be " + allowed() + ", got " + value);
                }
                double d = n.doubleValue();
                if (type == Type.INT && d != Math.rint(d)) {
                    throw new IllegalArgumentException(name + " must be a whole number, got " + value);
                }
                boolean below = minExclusive ? d <= min : d < min;
                if (Double.isNaN(d) || below || d > max) {
                    throw new IllegalArgumentException(name + " must be " + allowed() + ", got " + value);
                }
                return type == Type.INT ? (Object) n.intValue() : (Object) d;
            }
            case BOOL -> {
                if (!(value instanceof Boolean)) {
                    throw new IllegalArgumentException(name + " must be true or false, got " + value);
                }
                return value;
            }
            case CHOICE -> {
                if (!choices.contains(String.valueOf(value))) {
                    throw new IllegalArgumentException(name + " must be one of " + choices + ", got '" + value + "'");
                }
                return String.valueOf(value);
            }
            default -> {
                return String.valueOf(value);
            }
        }
    }

    /** "an integer in [1, 256]", "a number in (0, 1]", "one of [sgd, adam]". */
    public String allowed() {
        return switch (type) {
            case INT -> "an integer in [" + (long) min + ", " + (long) max + "]";
            case FLOAT -> "a number in " + (minExclusive ? "(" : "[") + fmt(min) + ", " + fmt(max) + "]";
            case BOOL -> "true or false";
            case CHOICE -> "one of " + choices;
            case TEXT -> "text";
        };
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
