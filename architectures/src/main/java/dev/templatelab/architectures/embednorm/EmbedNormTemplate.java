package dev.templatelab.architectures.embednorm;

import dev.templatelab.architectures.ClarifaiDefaults;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateDefaults;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.inception.InceptionLayouts;
import dev.templatelab.architectures.inception.InceptionTemplate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clarifai_InceptionTransferEmbedNorm: the BN-Inception backbone (its pooled 1024-d 5b output is
 * Clarifai's embedding layer), then a learned linear embedding, L2 normalisation and a scaled cosine
 * classifier. Backbone and head are separate vertex sets, so training can freeze the backbone or give
 * it Clarifai's {@code base_gradient_multiplier}.
 */
public final class EmbedNormTemplate implements Template {

    public static final String EMBEDDING = "embedding";
    public static final String EMBEDDING_NORM = "embedding_norm";
    public static final String LOGITS = "cosine_logits";

    @Override
    public String name() {
        return "Clarifai_InceptionTransferEmbedNorm";
    }

    @Override
    public String description() {
        return "BN-Inception backbone + embedding + L2-normalised cosine head for transfer learning; head and "
                + "backbone learning-rate multiplier tuned.";
    }

    @Override
    public TemplateDefaults defaults() {
        return new TemplateDefaults(InceptionTemplate.preprocessing(InceptionLayouts.BN_INCEPTION, 256), true,
                ClarifaiDefaults.embedNorm());
    }

    @Override
    public TemplateGraph build(TemplateSpec spec) {
        Map<String, String> blocks = new LinkedHashMap<>();
        var x = InceptionTemplate.backbone(spec, InceptionLayouts.BN_INCEPTION, blocks)
                .dense(EMBEDDING, spec.embeddingSize(), true)
                .l2Normalize(EMBEDDING_NORM)
                .cosineClassifier(LOGITS, spec.numClasses(), spec.cosineScale(), spec.head());
        return x.build(InceptionTemplate.FEATURES, List.of(EMBEDDING, EMBEDDING_NORM, LOGITS, TemplateGraph.OUTPUT),
                blocks);
    }

    @Override
    public List<String> backboneBlocks() {
        return InceptionTemplate.backboneBlocks(InceptionLayouts.BN_INCEPTION);
    }
}
