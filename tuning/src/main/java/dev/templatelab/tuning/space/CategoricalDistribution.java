package dev.templatelab.tuning.space;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One of a list of choices (numbers, booleans, strings), unordered: samplers see only the index. A single
 * choice is how a fixed parameter is written.
 */
public record CategoricalDistribution(List<Object> choices) implements Distribution {

    public CategoricalDistribution {
        if (choices == null || choices.isEmpty()) {
            throw new IllegalArgumentException("a categorical needs at least one choice");
        }
        for (int i = 0; i < choices.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (same(choices.get(i), choices.get(j))) {
                    throw new IllegalArgumentException("choice " + choices.get(i) + " is listed twice");
                }
            }
        }
        // Collections.unmodifiableList, not List.copyOf: a null choice ("None") is a legitimate value.
        choices = Collections.unmodifiableList(new ArrayList<>(choices));
    }

    /** The choices, in order. */
    public static CategoricalDistribution of(Object... choices) {
        return new CategoricalDistribution(List.of(choices));
    }

    /** A fixed parameter. */
    public static CategoricalDistribution fixed(Object value) {
        return new CategoricalDistribution(Collections.singletonList(value));
    }

    /** Index of {@code value} among the choices, or -1. Numbers compare by value (64 equals 64.0). */
    public int indexOf(Object value) {
        for (int i = 0; i < choices.size(); i++) {
            if (same(choices.get(i), value)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean contains(Object value) {
        return indexOf(value) >= 0;
    }

    @Override
    public boolean isSingle() {
        return choices.size() == 1;
    }

    @Override
    public double toInternal(Object value) {
        int i = indexOf(value);
        if (i < 0) {
            throw new IllegalArgumentException(value + " is not one of " + choices);
        }
        return i;
    }

    @Override
    public Object fromInternal(double internal) {
        return choices.get((int) internal);
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue()) == 0;
        }
        return Objects.equals(a, b);
    }
}
