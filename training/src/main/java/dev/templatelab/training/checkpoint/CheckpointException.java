package dev.templatelab.training.checkpoint;

/** A checkpoint that cannot be used, with a message that says which file and why. */
public class CheckpointException extends IllegalArgumentException {

    public CheckpointException(String message) {
        super(message);
    }
}
