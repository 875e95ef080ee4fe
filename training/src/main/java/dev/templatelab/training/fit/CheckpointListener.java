package dev.templatelab.training.fit;

import dev.templatelab.training.FileErrors;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.BiFunction;

/**
 * Writes the checkpoint of the best epoch so far to {@code best}, and of every epoch to {@code last}
 * (what a resumed run starts from). Metadata comes from the caller, who knows the provenance.
 */
public final class CheckpointListener implements TrainingListener {

    private final Path best;
    private final Path last;
    private final BiFunction<EpochMetrics, Integer, CheckpointMetadata> metadata;
    private final BestEpoch bestEpoch;
    private EpochMetrics bestSoFar;
    private String bestSha256;

    /** Keeps the epoch with the highest validation accuracy as the best. */
    public CheckpointListener(Path best, Path last, BiFunction<EpochMetrics, Integer, CheckpointMetadata> metadata) {
        this(best, last, metadata, BestEpoch.ACCURACY);
    }

    /**
     * @param metadata  provenance for (metrics of the epoch, epochs completed)
     * @param bestEpoch which metric makes an epoch the best
     */
    public CheckpointListener(Path best, Path last, BiFunction<EpochMetrics, Integer, CheckpointMetadata> metadata,
                              BestEpoch bestEpoch) {
        this.best = best;
        this.last = last;
        this.metadata = metadata;
        this.bestEpoch = bestEpoch;
    }

    @Override
    public Decision onEpoch(TrainingContext context, EpochMetrics metrics) {
        try {
            CheckpointMetadata meta = metadata.apply(metrics, metrics.epoch() + 1);
            String lastSha256 = last == null ? null : Checkpoints.write(last, context.network(), meta);
            if (best != null && (bestSoFar == null || bestEpoch.isBetter(metrics, bestSoFar))) {
                // The same network and metadata as `last`: copying the file is far cheaper than writing it again.
                bestSha256 = lastSha256 != null ? Checkpoints.copy(last, lastSha256, best)
                        : Checkpoints.write(best, context.network(), meta);
                bestSoFar = metrics;
            }
        } catch (IOException e) {
            // The training so far is in the last checkpoint written: say why this one failed and how to go on.
            throw new UncheckedIOException("could not write the checkpoint " + (last != null ? last : best) + ": "
                    + FileErrors.reason(e) + "; free disk space or fix the folder, then resume (train --resume)", e);
        }
        return Decision.CONTINUE;
    }

    /** On resume: the best epoch of the run so far, so a worse resumed epoch does not replace its checkpoint. */
    public void seedBest(EpochMetrics previousBest) {
        this.bestSoFar = previousBest;
    }

    public EpochMetrics bestEpoch() {
        return bestSoFar;
    }

    public String bestSha256() {
        return bestSha256;
    }
}
