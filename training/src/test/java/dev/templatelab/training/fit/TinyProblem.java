package dev.templatelab.training.fit;

import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;


/** A learnable toy task for fit-loop tests: bright-left vs bright-right 32x32 images, a small conv net. */
public final class TinyProblem {

    public static final TemplateSpec SPEC = new TemplateSpec(2, 32, 32, 3, 1.0, 8, 16.0, HeadActivation.SOFTMAX);

    private final List<DataSet> examples = new ArrayList<>();

    public TinyProblem(int count, long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < count; i++) {
            int label = i % 2;
            INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 32, 32).muli(0.3);
            int from = label == 0 ? 0 : 16;
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + 16))
                    .addi(0.5 + 0.2 * random.nextDouble());
            INDArray y = Nd4j.zeros(DataType.FLOAT, 1, 2);
            y.putScalar(0, label, 1.0);
            examples.add(new DataSet(x, y));
        }
    }

    public static TemplateGraph network() {
        GraphCursor x = GraphCursor.start(SPEC, Padding.EXPLICIT, BatchNormStyle.PYTORCH)
                .convBnRelu("c1", 16, 3, 2, 1, false).convBnRelu("c2", 16, 3, 2, 1, false).globalAvgPool("pool");
        x.denseClassifier(2, HeadActivation.SOFTMAX, 1.0);
        return x.build("pool", List.of(TemplateGraph.OUTPUT));
    }

    /** Minibatches of an epoch, shuffled deterministically from seed and epoch. */
    public DataSetIterator epoch(long seed, int epoch, int batch) {
        List<DataSet> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, new Random(seed * 31 + epoch));
        return new BatchList(batches(shuffled, batch));
    }

    public int batchesPerEpoch(int batch) {
        return (examples.size() + batch - 1) / batch;
    }

    public DataSet all() {
        return DataSet.merge(examples);
    }

    private static List<DataSet> batches(List<DataSet> items, int batch) {
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i += batch) {
            out.add(DataSet.merge(items.subList(i, Math.min(items.size(), i + batch))));
        }
        return out;
    }

    /** Accuracy and loss on all examples. */
    public Validator validator() {
        DataSet all = all();
        return net -> {
            INDArray out = net.outputSingle(false, all.getFeatures());
            double acc = out.argMax(1).eq(all.getLabels().argMax(1)).castTo(DataType.FLOAT).meanNumber().doubleValue();
            return new Validator.Scores(net.score(all, false), acc, acc);
        };
    }

}
