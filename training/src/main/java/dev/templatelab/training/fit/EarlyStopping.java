package dev.templatelab.training.fit;

/** Stops training when the best epoch is {@code patience} epochs old. Patience 0 turns it off. */
public final class EarlyStopping implements TrainingListener {

    private final int patience;
    private EpochMetrics best;

    public EarlyStopping(int patience) {
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        }
        this.patience = patience;
    }

    @Override
    public Decision onEpoch(TrainingContext context, EpochMetrics metrics) {
        if (best == null || FitLoop.isBetter(metrics, best)) {
            best = metrics;
            return Decision.CONTINUE;
        }
        return patience > 0 && metrics.epoch() - best.epoch() >= patience ? Decision.STOP : Decision.CONTINUE;
    }
}
