package dev.templatelab.training.transfer.imports;

/**
 * A weights file that cannot be imported: unreadable, lying about its sizes, or not matching the
 * template. The message names the file or tensor and what to fix. An {@link IllegalArgumentException},
 * so the command line reports it as bad input (one line, exit code 2).
 */
public class WeightsFileException extends IllegalArgumentException {

    public WeightsFileException(String message) {
        super(message);
    }

    public WeightsFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
