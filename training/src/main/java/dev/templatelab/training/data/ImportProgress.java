package dev.templatelab.training.data;

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
