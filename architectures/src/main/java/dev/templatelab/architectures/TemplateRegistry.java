package dev.templatelab.architectures;

import dev.templatelab.architectures.embednorm.EmbedNormTemplate;
import dev.templatelab.architectures.inception.InceptionLayouts;
import dev.templatelab.architectures.inception.InceptionTemplate;
import dev.templatelab.architectures.resnet.ResNetTemplate;
import dev.templatelab.architectures.resnet.ResNetVariant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one place that knows which templates exist (timm's {@code register_model}/{@code create_model}).
 * The CLI, the UI, tuning and the tests ask this registry; nothing else lists templates.
 */
public final class TemplateRegistry {

    private final Map<String, Template> templates = new LinkedHashMap<>();

    /** The five TemplateLab templates. */
    public static TemplateRegistry standard() {
        TemplateRegistry registry = new TemplateRegistry();
        registry.register(ResNetTemplate.rsbA1());
        registry.register(new InceptionTemplate("Clarifai_InceptionBatchNorm",
                "BN-Inception (Ioffe & Szegedy 2015, Caffe/Cadene layout) for fine-tuning from pretrained weights.",
                InceptionLayouts.BN_INCEPTION, InceptionTemplate.clarifaiInceptionDefaults(InceptionLayouts.BN_INCEPTION, true)));
        registry.register(new InceptionTemplate("Clarifai_InceptionV2",
                "Inception-v2 (TF-slim inception_v2 layout), random init, trained from scratch.",
                InceptionLayouts.INCEPTION_V2, InceptionTemplate.clarifaiInceptionDefaults(InceptionLayouts.INCEPTION_V2, false)));
        registry.register(ResNetTemplate.resNext());
        registry.register(new EmbedNormTemplate());
        return registry;
    }

    /** Adds a template; a second template with the same name is a programming error. */
    public void register(Template template) {
        Template previous = templates.putIfAbsent(template.name(), template);
        if (previous != null) {
            throw new IllegalArgumentException("a template named '" + template.name() + "' is already registered");
        }
    }

    public Optional<Template> find(String name) {
        return Optional.ofNullable(templates.get(name));
    }

    /** The template, or an error that lists the valid names. */
    public Template get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown template '" + name + "'; known templates: " + String.join(", ", names())));
    }

    public List<String> names() {
        return List.copyOf(templates.keySet());
    }

    public Collection<Template> list() {
        return Collections.unmodifiableCollection(templates.values());
    }
}
