package dev.templatelab.training.data;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * What a long dataset import tells its caller as it goes (a zip of 50,000 images takes minutes), and how the caller
 * asks it to stop. Both are called on the importing thread: keep them quick.
 */
public interface ImportProgress {

    /** Reports nothing and never stops. */
    ImportProgress NONE = new ImportProgress() {
    };

    /**
     * Prints how far the import got to {@code out} ("checking images: 12,000 of 50,000"), at most once per
     * {@code every} (a small dataset, read within the first interval, prints nothing), and stops once {@code stop}
     * says so. For the command line, where a large import would otherwise sit silent for minutes.
     */
    static ImportProgress printing(PrintWriter out, Duration every, BooleanSupplier stop) {
        long interval = every.toNanos();
        long[] lastPrinted = {System.nanoTime()};
        return new ImportProgress() {
            @Override
            public boolean stopRequested() {
                return stop.getAsBoolean();
            }

            @Override
            public void progressed(Phase phase, int done, int total) {
                long now = System.nanoTime();
                if (now - lastPrinted[0] >= interval) {
                    lastPrinted[0] = now;
                    out.printf(Locale.ROOT, "%s: %,d of %,d files%n", phase.label(), done, total);
                    out.flush();
                }
            }
        };
    }

    /**
     * Asked before each file of a zip is written and each image is read; {@code true} ends the import with
     * {@link ImportStoppedException}, leaving nothing behind.
     */
    default boolean stopRequested() {
        return false;
    }

    /**
     * Asked once, by whoever keeps the result (registers the dataset), after every file is checked and before
     * anything is kept: {@code false} stops the import there with nothing kept. A stop asked for while the last image
     * was read is seen here; after {@code true} the import can no longer be stopped.
     */
    default boolean mayKeep() {
        return !stopRequested();
    }

    /** {@code done} of the phase's {@code total} files are through it; reported from 0 up to {@code total}. */
    default void progressed(Phase phase, int done, int total) {
    }

    /** The two passes of an import. */
    enum Phase {
        /** A zip's files written to disk (a zip source only). */
        EXTRACTING("extracting"),
        /** Files read, checked and hashed. */
        CHECKING("checking images");

        private final String label;

        Phase(String label) {
            this.label = label;
        }

        /** Lower-case words for a progress line. */
        public String label() {
            return label;
        }
    }
}
