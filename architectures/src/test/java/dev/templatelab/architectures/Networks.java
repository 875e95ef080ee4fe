package dev.templatelab.architectures;

import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/** Test helpers: the architecture carries no optimiser, so tests attach one the way training will. */
final class Networks {

    private Networks() {
    }

    static ComputationGraph withUpdater(TemplateGraph template, IUpdater updater, long seed) {
        ComputationGraphConfiguration conf = template.configuration().clone();
        for (var vertex : conf.getVertices().values()) {
            if (vertex instanceof LayerVertex lv) {
                var layer = lv.getLayerConf().getLayer();
                if (layer instanceof BaseLayer base) {
                    base.setIUpdater(updater);
                    base.setBiasUpdater(null);
                }
            }
        }
        return new TemplateGraph(conf, template.input(), template.featureVertex(), template.headVertices()).newNetwork(seed);
    }

    /**
     * The network rebuilt from its configuration's JSON, as restoring a checkpoint does (ModelSerializer), with
     * its run-time layers (and their helpers) made anew.
     */
    static ComputationGraph restoredFromJson(ComputationGraph net) {
        ComputationGraph restored = new ComputationGraph(
                ComputationGraphConfiguration.fromJson(net.getConfiguration().toJson()));
        restored.init();
        return restored;
    }

    /** A batch of random images with one-hot (or for multi-label, random multi-hot) labels. */
    static DataSet randomBatch(TemplateSpec spec, int batch, long seed, boolean multiLabel) {
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.randn(DataType.FLOAT, batch, spec.channels(), spec.height(), spec.width());
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, spec.numClasses());
        Random random = new Random(seed);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, i % spec.numClasses(), 1.0);
            if (multiLabel) {
                labels.putScalar(i, random.nextInt(spec.numClasses()), 1.0);
            }
        }
        return new DataSet(features, labels);
    }
}
