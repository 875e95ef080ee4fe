package dev.templatelab.training.data;

/** A dataset import was asked to stop (Ctrl-C, a paused or cancelled trial) before it read every image. */
public class ImportStoppedException extends RuntimeException {

    public ImportStoppedException(String message) {
        super(message);
    }
}
