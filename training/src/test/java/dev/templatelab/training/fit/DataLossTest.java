package dev.templatelab.training.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.ops.transforms.Transforms;

class DataLossTest {

    /** Bug found: validation loss was DL4J's score, which includes the weight-decay penalty even at test time. */
    @Test
    void lossIsTheCrossEntropyWithoutTheWeightDecayPenalty() {
        ComputationGraphConfiguration conf = TinyProblem.network().configuration().clone();
        conf.getVertices().values().forEach(v -> {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer layer) {
                layer.setRegularization(List.of(new WeightDecay(0.5, true)));
            }
        });
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        DataSet all = new TinyProblem(16, 3).all();

        INDArray p = net.outputSingle(false, all.getFeatures());
        double crossEntropy = -Transforms.log(p, true).mul(all.getLabels()).sum(1).meanNumber().doubleValue();

        assertThat(DataLoss.of(net, all)).isCloseTo(crossEntropy, within(1e-4));
        assertThat(net.score(all, false)).as("DL4J's score carries the penalty").isGreaterThan(crossEntropy + 0.1);
    }
}
