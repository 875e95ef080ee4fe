package dev.templatelab.architectures;

import java.util.List;

/**
 * One image-classification template: a name, what it is, its defaults, and a graph factory.
 * Implementations are stateless; everything that varies per network is in the {@link TemplateSpec}.
 */
public interface Template {

    /** The Clarifai template name, e.g. {@code Clarifai_ResNext}. */
    String name();

    /** One sentence for the UI and CLI. */
    String description();

    TemplateDefaults defaults();

    /** Builds the network for a spec. No optimiser, schedule or regularisation: those belong to training. */
    TemplateGraph build(TemplateSpec spec);

    /**
     * The backbone's blocks from the input, as {@link TemplateGraph#backboneBlocks} names them (stem, then stages or
     * Inception modules): training's {@code frozen_blocks} freezes the first n.
     */
    List<String> backboneBlocks();
}
