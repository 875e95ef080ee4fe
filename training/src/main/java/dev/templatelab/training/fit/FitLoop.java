package dev.templatelab.training.fit;

import dev.templatelab.training.optim.LeanUpdaterBlocks;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one training loop. Everything optional (progress, checkpoints, early stopping, metrics to a
 * database, pruning) is a {@link TrainingListener}.
 *
 * <p>Reproducibility: epoch {@code e} always sees the same minibatches (the caller's {@code batchesForEpoch}
 * derives its shuffle from seed and epoch) and the same random stream (reseeded per epoch), and DL4J's
 * epoch/iteration counters drive the schedules, so a run resumed from an epoch checkpoint continues exactly
 * as the uninterrupted run would.
 */
public final class FitLoop {

    private final List<TrainingListener> listeners;
    private final BestEpoch bestEpoch;

    /** A loop whose best epoch is the one with the highest validation accuracy. */
    public FitLoop(List<TrainingListener> listeners) {
        this(listeners, BestEpoch.ACCURACY);
    }

    public FitLoop(List<TrainingListener> listeners, BestEpoch bestEpoch) {
        this.listeners = List.copyOf(listeners);
        this.bestEpoch = bestEpoch;
    }

    /**
     * Trains epochs {@code startEpoch .. epochs-1}.
     *
     * @param batchesForEpoch the training minibatches of epoch e, positioned at its first batch
     * @param batchesPerEpoch number of minibatches per epoch, for progress and schedules
     * @throws TrainingDivergedException as soon as a minibatch's loss is NaN or infinite (epochs already run
     *                                   have been reported to the listeners)
     */
    public TrainingOutcome run(ComputationGraph net, IntFunction<DataSetIterator> batchesForEpoch, int batchesPerEpoch,
                               Validator validator, int startEpoch, int epochs, long seed, CancellationToken cancel) {
        if (startEpoch < 0 || startEpoch > epochs) {
            throw new IllegalArgumentException("start epoch " + startEpoch + " outside 0.." + epochs);
        }
        LeanUpdaterBlocks.install(net);
        TrainingContext context = new TrainingContext(net, startEpoch, epochs, batchesPerEpoch);
        listeners.forEach(l -> l.onStart(context));
        List<EpochMetrics> history = new ArrayList<>();
        EpochMetrics best = null;
        TrainingOutcome.Status status = TrainingOutcome.Status.COMPLETED;

        epochs:
        for (int epoch = startEpoch; epoch < epochs; epoch++) {
            net.getConfiguration().setEpochCount(epoch);
            Nd4j.getRandom().setSeed(seed * 1_000_003L + epoch);
            long start = System.nanoTime();
            double lossSum = 0;
            int batches = 0;
            long images = 0;
            DataSetIterator it = batchesForEpoch.apply(epoch);   // owned by the caller, who closes it
            while (it.hasNext()) {
                if (cancel.isCancelled()) {
                    status = TrainingOutcome.Status.CANCELLED;
                    break epochs;
                }
                DataSet batch = it.next();
                net.fit(batch);
                double loss = DataLoss.lastMinibatch(net);
                if (!Double.isFinite(loss)) {
                    throw new TrainingDivergedException(epoch, batches + 1, batchesPerEpoch, loss);
                }
                lossSum += loss;
                batches++;
                images += batch.numExamples();
                double seconds = (System.nanoTime() - start) / 1e9;
                BatchProgress progress = new BatchProgress(epoch, epochs, batches, batchesPerEpoch, loss,
                        images / seconds, seconds);
                listeners.forEach(l -> l.onBatch(context, progress));
            }
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            // Without weight decay a NaN weight can leave the minibatch loss finite; one sum over the
            // parameters per epoch catches it before validation scores NaN outputs.
            if (batches > 0 && !Double.isFinite(net.params().sumNumber().doubleValue())) {
                throw TrainingDivergedException.weights(epoch, batches, batchesPerEpoch);
            }
            Validator.Scores scores = validator.validate(net);
            EpochMetrics metrics = new EpochMetrics(epoch, batches == 0 ? Double.NaN : lossSum / batches, scores.loss(),
                    scores.accuracy(), scores.macroF1(), currentLearningRate(net), images / trainSeconds,
                    (System.nanoTime() - start) / 1e9, scores.meanAveragePrecision());
            history.add(metrics);
            if (best == null || bestEpoch.isBetter(metrics, best)) {
                best = metrics;
            }
            Decision decision = Decision.CONTINUE;
            for (TrainingListener l : listeners) {
                Decision d = l.onEpoch(context, metrics);
                if (d.ordinal() > decision.ordinal()) {
                    decision = d;
                }
            }
            if (decision == Decision.PRUNE) {
                status = TrainingOutcome.Status.PRUNED;
                break;
            }
            if (decision == Decision.STOP && epoch < epochs - 1) {
                status = TrainingOutcome.Status.STOPPED_EARLY;
                break;
            }
        }
        net.getConfiguration().setEpochCount(startEpoch + history.size());
        TrainingOutcome outcome = new TrainingOutcome(status, history, Optional.ofNullable(best));
        listeners.forEach(l -> l.onEnd(context, outcome));
        return outcome;
    }

    private static double currentLearningRate(ComputationGraph net) {
        var layers = net.getLayers();
        for (int i = layers.length - 1; i >= 0; i--) {
            if (layers[i].numParams() > 0) {      // the classifier; loss and SameDiff layers report no rate
                Double lr = net.getLearningRate(layers[i].conf().getLayer().getLayerName());
                if (lr != null && !lr.isNaN()) {
                    return lr;
                }
            }
        }
        return Double.NaN;
    }
}
