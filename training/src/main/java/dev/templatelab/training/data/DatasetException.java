package dev.templatelab.training.data;

/** A dataset cannot be imported or used; the message says which file or class and what to do about it. */
public class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
