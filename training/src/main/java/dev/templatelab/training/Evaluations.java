package dev.templatelab.training;

import dev.templatelab.architectures.inference.InferenceNetwork;
import dev.templatelab.training.eval.Evaluation;
import dev.templatelab.training.eval.Evaluator;
import dev.templatelab.training.eval.FlipAveraging;
import dev.templatelab.training.fit.DataLoss;
import dev.templatelab.training.pipeline.ImageBatchIterator;
import dev.templatelab.training.pipeline.ImageDecoder;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;

/**
 * Runs a network over evaluation batches and scores it (optionally averaging each image with its mirror). The
 * outputs and the loss come from its inference network ({@link InferenceNetwork}: batch norms and ReLUs folded
 * into fewer passes), as every prediction does.
 */
public final class Evaluations {

    private Evaluations() {
    }

    public static Evaluation evaluate(ComputationGraph net, ImageBatchIterator batches, List<String> classes,
                                      boolean multiLabel, boolean averageHorizontalFlips) {
        Evaluator evaluator = Evaluator.of(classes, multiLabel);
        ComputationGraph inference = InferenceNetwork.of(net);
        double lossSum = 0;
        long count = 0;
        batches.startEpoch(0);
        while (batches.hasNext()) {
            DataSet batch = batches.next();
            INDArray probabilities = inference.outputSingle(false, batch.getFeatures());
            if (averageHorizontalFlips) {
                INDArray mirrored = inference.outputSingle(false, ImageDecoder.flipHorizontal(batch.getFeatures()));
                probabilities = FlipAveraging.average(probabilities, mirrored);
            }
            evaluator.add(probabilities, batch.getLabels());
            // the same loss as the trained network's (the head is unchanged), at the folded network's speed
            lossSum += DataLoss.of(inference, (org.nd4j.linalg.dataset.DataSet) batch) * batch.numExamples();
            count += batch.numExamples();
        }
        return evaluator.result().withLoss(lossSum / Math.max(1, count));
    }
}
