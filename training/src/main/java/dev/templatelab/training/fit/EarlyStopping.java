package dev.templatelab.training.fit;

/** Stops training when the best epoch (by {@link BestEpoch}) is {@code patience} epochs old. Patience 0 turns it off. */
public final class EarlyStopping implements TrainingListener {

    private final int patience;
    private final BestEpoch bestEpoch;
    private EpochMetrics best;

    /** Waits for a better validation accuracy. */
    public EarlyStopping(int patience) {
        this(patience, BestEpoch.ACCURACY);
    }

    public EarlyStopping(int patience, BestEpoch bestEpoch) {
        this.bestEpoch = bestEpoch;
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        }
        this.patience = patience;
    }

    @Override
    public Decision onEpoch(TrainingContext context, EpochMetrics metrics) {
        if (best == null || bestEpoch.isBetter(metrics, best)) {
            best = metrics;
            return Decision.CONTINUE;
        }
        return patience > 0 && metrics.epoch() - best.epoch() >= patience ? Decision.STOP : Decision.CONTINUE;
    }
}
