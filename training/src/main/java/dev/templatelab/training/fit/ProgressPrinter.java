package dev.templatelab.training.fit;

import java.io.PrintWriter;
import java.util.Locale;

/** A terminal progress bar (epoch, batch, loss, images/s, ETA) and one summary line per epoch. */
public final class ProgressPrinter implements TrainingListener {

    private static final int BAR = 24;
    private final PrintWriter out;
    private final boolean interactive;
    private long lastPrint;

    /** @param interactive redraw one line with '\r' (a terminal) instead of printing a line per epoch only */
    public ProgressPrinter(PrintWriter out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void onBatch(TrainingContext context, BatchProgress p) {
        long now = System.nanoTime();
        if (!interactive || (now - lastPrint < 200_000_000L && p.batch() < p.batchesPerEpoch())) {
            return;
        }
        lastPrint = now;
        int filled = p.batchesPerEpoch() == 0 ? 0 : Math.min(BAR, BAR * p.batch() / p.batchesPerEpoch());
        out.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d loss %.4f %.1f img/s ETA %s   ",
                p.epoch() + 1, p.epochs(), "=".repeat(filled), " ".repeat(BAR - filled), p.batch(), p.batchesPerEpoch(),
                p.loss(), p.imagesPerSecond(), duration(p.epochEtaSeconds()));
        out.flush();
    }

    @Override
    public Decision onEpoch(TrainingContext context, EpochMetrics m) {
        if (interactive) {
            out.print("\r" + " ".repeat(100) + "\r");
        }
        out.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f  val loss %.4f  val acc %.4f  val macro-F1 %.4f  lr %.3g  %.1f img/s  %s%n",
                m.epoch() + 1, context.epochs(), m.trainLoss(), m.validationLoss(), m.validationAccuracy(),
                m.validationMacroF1(), m.learningRate(), m.imagesPerSecond(), duration(m.seconds()));
        out.flush();
        return Decision.CONTINUE;
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
