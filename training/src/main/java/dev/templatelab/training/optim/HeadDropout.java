package dev.templatelab.training.optim;

import dev.templatelab.architectures.TemplateGraph;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;

/**
 * Dropout on the head's input while training ({@code head_dropout}): a regulariser chosen per experiment, like
 * weight decay, so it is set here rather than in the template. It goes on the head's first layer (the embed-norm
 * head's embedding, else the classifier), replacing whatever dropout the template put there. DL4J applies a
 * layer's dropout to its input in training only; evaluation and inference see every feature.
 */
public final class HeadDropout {

    private HeadDropout() {
    }

    /** A copy of {@code template} with dropout probability {@code p} on its head's input; 0 returns it unchanged. */
    public static TemplateGraph apply(TemplateGraph template, double p) {
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("head_dropout must be in [0, 1), got " + p);
        }
        if (p == 0) {
            return template;
        }
        ComputationGraphConfiguration conf = template.configuration().clone();
        String first = template.headVertices().get(0);
        GraphVertex vertex = conf.getVertices().get(first);
        if (!(vertex instanceof LayerVertex lv) || !(lv.getLayerConf().getLayer() instanceof BaseLayer layer)) {
            throw new IllegalStateException("the head's first vertex '" + first + "' is not a layer with weights");
        }
        layer.setIDropout(new Dropout(1 - p));   // DL4J's Dropout takes the probability of keeping a unit
        return new TemplateGraph(conf, template.input(), template.featureVertex(), template.headVertices(),
                template.backboneBlocks());
    }
}
