package dev.templatelab.tuning.space;

/**
 * A search space refused because of one parameter: the message says what is wrong and how to fix it,
 * {@link #parameter()} which parameter, as data, so a form can mark that parameter's field without reading the
 * message.
 */
public class InvalidSpaceException extends IllegalArgumentException {

    private final SpaceParameter parameter;

    public InvalidSpaceException(SpaceParameter parameter, String message, Throwable cause) {
        super(message, cause);
        this.parameter = parameter;
    }

    public InvalidSpaceException(SpaceParameter parameter, String message) {
        this(parameter, message, null);
    }

    /** The parameter at fault. */
    public SpaceParameter parameter() {
        return parameter;
    }
}
