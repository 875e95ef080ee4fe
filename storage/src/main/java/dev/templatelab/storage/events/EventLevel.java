package dev.templatelab.storage.events;

/** Severity of an experiment's log line. */
public enum EventLevel {
    DEBUG, INFO, WARN, ERROR
}
