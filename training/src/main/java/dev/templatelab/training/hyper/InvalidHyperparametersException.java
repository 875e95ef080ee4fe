package dev.templatelab.training.hyper;

/**
 * Hyperparameters that are each within range but cannot train together (no images left to train on). Training them
 * again fails again, so a tuner fails such a trial at once instead of retrying it.
 */
public class InvalidHyperparametersException extends IllegalArgumentException {

    public InvalidHyperparametersException(String message) {
        super(message);
    }
}
