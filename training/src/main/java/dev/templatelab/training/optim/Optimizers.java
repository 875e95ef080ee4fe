package dev.templatelab.training.optim;

import dev.templatelab.architectures.TemplateGraph;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Attaches an optimiser to a template's graph. Templates carry none (unlike DL4J's zoo), so the
 * updater is chosen here, in training, and can differ per experiment without touching the network.
 * Parameters a layer pins to {@code NoOp} (BN running statistics, a scale-free BN's gamma) stay pinned,
 * because DL4J asks the layer per parameter before it uses the layer-wide updater.
 */
public final class Optimizers {

    private Optimizers() {
    }

    /** A copy of the template whose every trainable layer uses {@code updater}. */
    public static TemplateGraph withUpdater(TemplateGraph template, IUpdater updater) {
        ComputationGraphConfiguration conf = template.configuration().clone();
        for (var vertex : conf.getVertices().values()) {
            if (vertex instanceof LayerVertex lv) {
                var layer = lv.getLayerConf().getLayer();
                if (layer instanceof BaseLayer base) {
                    base.setIUpdater(updater.clone());
                    base.setBiasUpdater(null);
                } else if (layer instanceof AbstractSameDiffLayer sameDiff) {
                    sameDiff.setUpdater(updater.clone());
                    sameDiff.setBiasUpdater(null);
                }
            }
        }
        return new TemplateGraph(conf, template.input(), template.featureVertex(), template.headVertices());
    }
}
