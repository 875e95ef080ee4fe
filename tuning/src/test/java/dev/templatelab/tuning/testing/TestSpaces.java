package dev.templatelab.tuning.testing;

import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.space.TemplateSpace;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small hand-written spaces for sampler, pruner and study tests. */
public final class TestSpaces {

    public static final String RESNEXT = "Clarifai_ResNext";
    public static final String EMBED = "Clarifai_InceptionTransferEmbedNorm";

    private TestSpaces() {
    }

    /** A one-template space from (name, distribution) pairs, in that order. */
    public static SearchSpace of(String template, Object... nameDistributionPairs) {
        return new SearchSpace(List.of(template(template, nameDistributionPairs)));
    }

    public static TemplateSpace template(String template, Object... nameDistributionPairs) {
        Map<String, Distribution> params = new LinkedHashMap<>();
        for (int i = 0; i < nameDistributionPairs.length; i += 2) {
            params.put((String) nameDistributionPairs[i], (Distribution) nameDistributionPairs[i + 1]);
        }
        return new TemplateSpace(template, params);
    }
}
