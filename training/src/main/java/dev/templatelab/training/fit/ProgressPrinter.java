package dev.templatelab.training.fit;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * A terminal progress bar (epoch, batch, loss, images/s, ETA) and one summary line per epoch. Not on a terminal (a
 * log file, a pipe, {@code train --json > result.json}), a plain progress line every {@link #LINE_INTERVAL} instead of
 * the bar: an epoch on a large dataset takes hours, and a log silent that long looks like a hang.
 */
public final class ProgressPrinter implements TrainingListener {

    public static final Duration LINE_INTERVAL = Duration.ofSeconds(30);

    private static final int BAR = 24;
    private final PrintWriter out;
    private final boolean interactive;
    private final long lineIntervalNanos;
    private long lastPrint;
    private long lastLine;

    /** @param interactive redraw one line with '\r' (a terminal) instead of a line every {@link #LINE_INTERVAL} */
    public ProgressPrinter(PrintWriter out, boolean interactive) {
        this(out, interactive, LINE_INTERVAL);
    }

    ProgressPrinter(PrintWriter out, boolean interactive, Duration lineInterval) {
        this.out = out;
        this.interactive = interactive;
        this.lineIntervalNanos = lineInterval.toNanos();
    }

    @Override
    public void onBatch(TrainingContext context, BatchProgress p) {
        long now = System.nanoTime();
        if (!interactive) {
            if (lastLine == 0) {
                lastLine = now;   // the first line an interval into training
            } else if (now - lastLine >= lineIntervalNanos && p.batch() < p.batchesPerEpoch()) {
                lastLine = now;
                out.printf(Locale.ROOT, "epoch %d/%d batch %d/%d  loss %.4f  %.1f img/s  epoch ETA %s%n", p.epoch() + 1,
                        p.epochs(), p.batch(), p.batchesPerEpoch(), p.loss(), p.imagesPerSecond(),
                        duration(p.epochEtaSeconds()));
                out.flush();
            }
            return;
        }
        if (now - lastPrint < 200_000_000L && p.batch() < p.batchesPerEpoch()) {
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
        lastLine = System.nanoTime();   // the next epoch's first line an interval after this summary
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
