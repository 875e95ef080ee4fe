package dev.templatelab.storage;

/** A stored thing (dataset, experiment, trial, checkpoint) that was asked for does not exist. */
public class NotFoundException extends RuntimeException {

    /** For example {@code new NotFoundException("experiment", 42)}: "experiment 42 not found". */
    public NotFoundException(String what, Object id) {
        super(what + " " + id + " not found");
    }

    /** With a message of its own, for things that need more words (where to look instead). */
    public NotFoundException(String message) {
        super(message);
    }
}
