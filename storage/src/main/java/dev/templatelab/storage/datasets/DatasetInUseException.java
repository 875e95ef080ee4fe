package dev.templatelab.storage.datasets;

/** A dataset cannot be deleted while experiments refer to it. */
public class DatasetInUseException extends IllegalStateException {

    DatasetInUseException(String name, long experiments) {
        super("dataset " + name + " is used by " + experiments + " experiment(s); delete those first");
    }
}
