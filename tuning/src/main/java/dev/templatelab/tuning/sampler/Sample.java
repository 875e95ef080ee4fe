package dev.templatelab.tuning.sampler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sampler's answer for one trial.
 *
 * @param template the template to train
 * @param params   one value per parameter of that template's space, typed (Integer, Double, Boolean, String)
 */
public record Sample(String template, Map<String, Object> params) {

    public Sample {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }
}
