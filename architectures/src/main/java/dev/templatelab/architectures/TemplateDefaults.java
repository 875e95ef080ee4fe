package dev.templatelab.architectures;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a template brings besides its graph: how its inputs are preprocessed and the hyperparameter
 * defaults of the Clarifai template it is named after (names kept as Clarifai spells them). Training
 * reads these; the graph never does.
 *
 * @param data            preprocessing the published weights expect
 * @param pretrained      whether the template is defined by pretrained weights (vs. trained from scratch)
 * @param hyperparameters Clarifai hyperparameter defaults, in documentation order
 */
public record TemplateDefaults(DataConfig data, boolean pretrained, Map<String, Object> hyperparameters) {

    public TemplateDefaults {
        hyperparameters = Collections.unmodifiableMap(new LinkedHashMap<>(hyperparameters));
    }
}
