package dev.templatelab.web.api;

import dev.templatelab.storage.IllegalTransitionException;
import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.ArtifactIntegrityException;
import dev.templatelab.storage.artifacts.ArtifactOutsideStoreException;
import dev.templatelab.storage.datasets.DatasetInUseException;
import dev.templatelab.training.data.DatasetException;
import dev.templatelab.web.datasets.ImportJob;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;

import java.util.Map;

/**
 * Every REST error is JSON {@code {"error": "..."}} with a message a person can act on: 400 for bad
 * input, 404 for unknown ids, 409 for a state that forbids the action, 413 for an oversized upload, 500 for what
 * the server must fix (a damaged file, one in another artifact store).
 */
@RestControllerAdvice
public class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    /** A 4xx/5xx answer with its message. */
    public static ResponseEntity<Map<String, String>> error(HttpStatus status, String message) {
        return error(status, Map.of("error", message));
    }

    /**
     * An error body, always JSON: the content type is set here, so Spring writes it whatever the request's Accept
     * header asks for (negotiating would fail for e.g. {@code Accept: application/xml} and turn the answer into an
     * empty 500).
     */
    public static <V> ResponseEntity<Map<String, V>> error(HttpStatus status, Map<String, V> body) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<Map<String, String>> notFound(NotFoundException e) {
        return error(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler({DatasetInUseException.class, IllegalTransitionException.class,
            ImportJob.TooLateToStopException.class})
    ResponseEntity<Map<String, String>> conflict(RuntimeException e) {
        return error(HttpStatus.CONFLICT, e.getMessage());
    }

    /**
     * A file the database records outside this server's artifact store: written by a process with another store, so
     * a server-side condition, not the client's bad input (the 400 its IllegalArgumentException type would get).
     */
    @ExceptionHandler(ArtifactOutsideStoreException.class)
    ResponseEntity<Map<String, String>> otherStore(ArtifactOutsideStoreException e) {
        log.error("Artifact outside this server's store: {}", e.getMessage());
        return error(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
    }

    @ExceptionHandler({IllegalArgumentException.class, DatasetException.class})
    ResponseEntity<Map<String, String>> badInput(RuntimeException e) {
        return error(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler(MissingServletRequestPartException.class)
    ResponseEntity<Map<String, String>> missingPart(MissingServletRequestPartException e) {
        return error(HttpStatus.BAD_REQUEST, "missing multipart field '" + e.getRequestPartName() + "'");
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<Map<String, String>> missingParameter(MissingServletRequestParameterException e) {
        return error(HttpStatus.BAD_REQUEST, "missing field '" + e.getParameterName() + "'");
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Map<String, String>> typeMismatch(MethodArgumentTypeMismatchException e) {
        return error(HttpStatus.BAD_REQUEST, "'" + e.getValue() + "' is not a valid " + e.getName());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, String>> unreadable(HttpMessageNotReadableException e) {
        Throwable cause = e.getMostSpecificCause();
        if (cause instanceof UnrecognizedPropertyException unknown) {
            return error(HttpStatus.BAD_REQUEST, "unknown field '" + unknown.getPropertyName() + "'; the fields are "
                    + unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList());
        }
        if (cause instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = fieldPath(mapping);
            String problem;
            if (cause instanceof InvalidFormatException format) {   // a fraction for a whole number
                problem = "takes " + kind(format.getTargetType()) + ", got " + format.getValue();
            } else if (cause instanceof MismatchedInputException mismatch && kind(mismatch.getTargetType()) != null) {
                problem = "takes " + kind(mismatch.getTargetType()) + ", unquoted";   // a string, list or object
            } else if (cause instanceof MismatchedInputException mismatch && container(mismatch.getTargetType()) != null) {
                // "templates":"A" would otherwise read "Cannot construct instance of `java.util.ArrayList` ..."
                problem = "takes " + container(mismatch.getTargetType());
            } else {
                problem = mapping.getOriginalMessage().lines().findFirst().orElse("");
            }
            return error(HttpStatus.BAD_REQUEST, Map.of("error", "field '" + field + "' " + problem, "field", field));
        }
        if (cause instanceof MismatchedInputException) {   // a list, string or number as the whole body
            return error(HttpStatus.BAD_REQUEST, "the request body must be a JSON object ({\"field\": value, ...})");
        }
        if (cause instanceof InputCoercionException range) {   // 1e20 for an int: say which field
            JsonMappingException located = locatedMapping(e);
            if (located != null) {
                String field = fieldPath(located);
                return error(HttpStatus.BAD_REQUEST, Map.of("error", "field '" + field + "' is out of range: "
                        + range.getOriginalMessage().lines().findFirst().orElse(""), "field", field));
            }
        }
        return error(HttpStatus.BAD_REQUEST, "request body is not the expected JSON: "
                + (cause == null ? e.getMessage() : cause.getMessage()).lines().findFirst().orElse(""));
    }

    /** "searchSpace.lrate", "templates[1]": where in the body the bad value is. */
    private static String fieldPath(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(r.getFieldName());
            } else {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The outermost mapping failure in the chain that knows where in the body it happened; null if none does. */
    private static JsonMappingException locatedMapping(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
                return mapping;
            }
        }
        return null;
    }

    /** What a list or object field takes, in words; null for other types. */
    private static String container(Class<?> type) {
        if (type != null && java.util.Collection.class.isAssignableFrom(type)) {
            return "a JSON list ([...])";
        }
        if (type != null && Map.class.isAssignableFrom(type)) {
            return "a JSON object ({...})";
        }
        return null;
    }

    /** What a scalar field takes, in words; null for other types. */
    private static String kind(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string in quotes";
        }
        return null;
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Map<String, String>> mediaType(HttpMediaTypeNotSupportedException e) {
        return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "content type " + e.getContentType()
                + " is not supported here; send " + e.getSupportedMediaTypes()
                + " (dataset uploads are multipart/form-data with fields 'file' and 'name')");
    }

    /** A client that accepts no JSON (Accept: application/xml) on an endpoint that answers JSON. */
    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<Map<String, String>> notAcceptable(HttpMediaTypeNotAcceptableException e) {
        return error(HttpStatus.NOT_ACCEPTABLE, "this endpoint answers application/json; send Accept: application/json"
                + " (or */*, or no Accept header)");
    }

    @ExceptionHandler(MaxUploadSizeExceededException.class)
    ResponseEntity<Map<String, String>> tooLarge(MaxUploadSizeExceededException e) {
        return error(HttpStatus.PAYLOAD_TOO_LARGE, "upload too large (limit " + e.getMaxUploadSize()
                + " bytes); split the dataset");
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<Map<String, String>> multipart(MultipartException e) {
        return error(HttpStatus.BAD_REQUEST, "expected a multipart/form-data request with fields 'file' and 'name': "
                + e.getMessage());
    }

    @ExceptionHandler(org.springframework.web.HttpRequestMethodNotSupportedException.class)
    ResponseEntity<Map<String, String>> method(org.springframework.web.HttpRequestMethodNotSupportedException e) {
        return error(HttpStatus.METHOD_NOT_ALLOWED, e.getMethod() + " is not supported here; use "
                + e.getSupportedHttpMethods());
    }

    /** A path no controller maps (under /api Vaadin leaves it to Spring: vaadin.exclude-urls). */
    @ExceptionHandler(org.springframework.web.servlet.resource.NoResourceFoundException.class)
    ResponseEntity<Map<String, String>> noSuchPath(org.springframework.web.servlet.resource.NoResourceFoundException e,
                                                   HttpServletRequest request) {
        // The request's own path: the exception's drops a trailing slash, which is what is wrong with "/api/x/1/".
        String path = request.getRequestURI();
        return error(HttpStatus.NOT_FOUND, "no such endpoint: " + path
                + (path.endsWith("/") ? " (paths end without a slash)" : "") + "; see /v3/api-docs");
    }

    /** Anything unexpected: still JSON, and logged with its stack trace for the operator. */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, String>> unexpected(Exception e) {
        log.error("Request failed", e);
        return error(HttpStatus.INTERNAL_SERVER_ERROR, "internal error (" + e.getClass().getSimpleName() + ": "
                + e.getMessage() + "); the server log has the details");
    }

    @ExceptionHandler(ArtifactIntegrityException.class)
    ResponseEntity<Map<String, String>> corrupt(ArtifactIntegrityException e) {
        log.error("Corrupt artifact: {}", e.getMessage());
        return error(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
    }
}
