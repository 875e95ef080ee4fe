package dev.templatelab.tuning.execution;

/** A request the launcher refuses; {@link #field()} names the request field to fix, the message says how. */
public class InvalidExperimentException extends IllegalArgumentException {

    private final String field;

    public InvalidExperimentException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public InvalidExperimentException(String field, String message, Throwable cause) {
        super(field + ": " + message, cause);
        this.field = field;
    }

    /** The {@link ExperimentRequest} field at fault, e.g. {@code templates} or {@code searchSpace}. */
    public String field() {
        return field;
    }
}
