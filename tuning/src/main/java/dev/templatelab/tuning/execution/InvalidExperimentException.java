package dev.templatelab.tuning.execution;

import dev.templatelab.tuning.space.InvalidSpaceException;
import dev.templatelab.tuning.space.SpaceParameter;
import java.util.List;

/**
 * A request the launcher refuses; {@link #field()} names the request field to fix, the message says how, and for a
 * search space {@link #parameters()} says which of its parameters.
 */
public class InvalidExperimentException extends IllegalArgumentException {

    private final String field;
    private final List<SpaceParameter> parameters;

    public InvalidExperimentException(String field, String message) {
        this(field, message, null);
    }

    /** Caused by an {@link InvalidSpaceException}: its parameter is this refusal's. */
    public InvalidExperimentException(String field, String message, Throwable cause) {
        this(field, message, cause, cause instanceof InvalidSpaceException s ? List.of(s.parameter()) : List.of());
    }

    public InvalidExperimentException(String field, String message, Throwable cause, List<SpaceParameter> parameters) {
        super(field + ": " + message, cause);
        this.field = field;
        this.parameters = List.copyOf(parameters);
    }

    /** The {@link ExperimentRequest} field at fault, e.g. {@code templates} or {@code searchSpace}. */
    public String field() {
        return field;
    }

    /** The search-space parameters at fault (a form marks their editors); empty when the refusal names none. */
    public List<SpaceParameter> parameters() {
        return parameters;
    }
}
