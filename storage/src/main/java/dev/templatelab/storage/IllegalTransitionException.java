package dev.templatelab.storage;

/**
 * A state change that the state machine does not allow, such as a COMPLETE trial going back to
 * RUNNING or a CANCELLED experiment being resumed. The message names the thing, its state and the
 * refused move.
 */
public class IllegalTransitionException extends IllegalStateException {

    /** A refused move with a message that says which thing, from where and to where. */
    public IllegalTransitionException(String message) {
        super(message);
    }
}
