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

    /** Stops once {@code stop} says so; reports nothing. */
    static ImportProgress stoppingWhen(BooleanSupplier stop) {
        return new ImportProgress() {
            @Override
            public boolean stopRequested() {
                return stop.getAsBoolean();
            }
        };
    }

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
            public void extracted(int done, int total) {
                print("extracting", done, total);
            }

            @Override
            public void checked(int done, int total) {
                print("checking images", done, total);
            }

            private void print(String what, int done, int total) {
                long now = System.nanoTime();
                if (now - lastPrinted[0] >= interval) {
                    lastPrinted[0] = now;
                    out.printf(Locale.ROOT, "%s: %,d of %,d files%n", what, done, total);
                    out.flush();
                }
            }
        };
    }

    /**
     * Asked before each zip entry is written and each image is read; {@code true} ends the import with
     * {@link ImportStoppedException}, leaving nothing behind.
     */
    default boolean stopRequested() {
        return false;
    }

    /** {@code done} of the zip's {@code total} entries are written (a zip source only). */
    default void extracted(int done, int total) {
    }

    /** {@code done} of {@code total} files are read, checked and hashed. */
    default void checked(int done, int total) {
    }
}
