package dev.templatelab.tuning.space;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Where one parameter's values come from (Optuna's three distribution types). Samplers work on the
 * {@linkplain #toInternal internal representation}: the number itself for float/int, the index for a
 * categorical.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = FloatDistribution.class, name = "float"),
        @JsonSubTypes.Type(value = IntDistribution.class, name = "int"),
        @JsonSubTypes.Type(value = CategoricalDistribution.class, name = "categorical")})
public sealed interface Distribution permits FloatDistribution, IntDistribution, CategoricalDistribution {

    /** Whether {@code value} can be drawn from this distribution. */
    boolean contains(Object value);

    /** Whether the distribution has exactly one value (a fixed parameter): nothing to sample. */
    @JsonIgnore
    boolean isSingle();

    /** The value as a sampler sees it. */
    double toInternal(Object value);

    /** The typed value (Double, Integer or the choice) for an internal number. */
    Object fromInternal(double internal);

    /** This distribution as JSON, e.g. {@code {"type":"float","low":0.0,"high":1.0,"log":false,"step":null}}. */
    default String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@link #toJson()} back; a malformed or invalid distribution fails with the reason. */
    static Distribution fromJson(String json) {
        try {
            return Json.MAPPER.readValue(json, Distribution.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a distribution: " + Json.reason(e), e);
        }
    }

    /** Jackson setup shared by distributions and spaces. */
    final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();

        private Json() {
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
}
