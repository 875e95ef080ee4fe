package dev.templatelab.web.experiments;

import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.transfer.WeightsRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.springframework.stereotype.Service;

/**
 * The pretrained backbones registered per template ({@code ./templatelab weights import|register}), for the
 * New-experiment form: a pretrained template with none registered would train from random weights.
 */
@Service
public class PretrainedWeights {

    private final WeightsRegistry registry;

    public PretrainedWeights(StorageLocations locations) {
        this.registry = new WeightsRegistry(new TemplateLabHome(locations.home()).weights());
    }

    /** Names usable as {@code pretrained_weights} for {@code template}, in the registry's order. */
    public List<String> names(String template) {
        try {
            return registry.names(template);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the weights directory: " + e.getMessage(), e);
        }
    }

    /** What the form shows next to a template: its registered weights, or that a pretrained one has none. */
    public String summary(String template) {
        boolean pretrained = TemplateRegistry.standard().get(template).defaults().pretrained();
        List<String> names = names(template);
        if (!names.isEmpty()) {
            return "pretrained weights: " + String.join(", ", names);
        }
        return pretrained ? "no pretrained weights registered (./templatelab weights import); trains from random "
                + "weights only if allowed below" : "trained from scratch";
    }
}
