package dev.templatelab.tuning.space;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Jackson setup shared by distributions, spaces and the JSON override form. */
final class SpaceJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private SpaceJson() {
    }

    /** The message of the innermost IllegalArgumentException (a constructor's check), else Jackson's. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException && t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return e.getMessage();
    }
}
