package dev.templatelab.training.fit;

/** A listener's verdict after an epoch. The strongest verdict of all listeners wins (PRUNE > STOP > CONTINUE). */
public enum Decision {
    CONTINUE, STOP, PRUNE
}
