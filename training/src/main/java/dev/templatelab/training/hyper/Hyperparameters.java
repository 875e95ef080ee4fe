package dev.templatelab.training.hyper;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A complete, validated set of training hyperparameters (see {@link HyperparameterSchema}). */
public record Hyperparameters(Map<String, Object> values) {

    public Hyperparameters {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public int getInt(String name) {
        return ((Number) get(name)).intValue();
    }

    public double getDouble(String name) {
        return ((Number) get(name)).doubleValue();
    }

    public boolean getBoolean(String name) {
        return (Boolean) get(name);
    }

    public String getString(String name) {
        return String.valueOf(get(name));
    }

    /** Learning rate per minibatch: {@code lrate} if set, else {@code batch_size x per_item_lrate}. */
    public double learningRate() {
        double explicit = getDouble("lrate");
        return explicit > 0 ? explicit : getInt("batch_size") * getDouble("per_item_lrate");
    }

    /** Cosine floor per minibatch: {@code batch_size x per_item_min_lrate}. */
    public double minLearningRate() {
        return getInt("batch_size") * getDouble("per_item_min_lrate");
    }

    private Object get(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no hyperparameter '" + name + "'");
        }
        return v;
    }
}
