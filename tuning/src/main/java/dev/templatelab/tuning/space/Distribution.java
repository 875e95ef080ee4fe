package dev.templatelab.tuning.space;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.OptionalDouble;
import java.util.stream.DoubleStream;

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

    /** The largest number this distribution can draw; empty for a categorical with a choice that is not a number. */
    default OptionalDouble largest() {
        return ends().max();
    }

    /** The smallest number this distribution can draw; empty for a categorical with a choice that is not a number. */
    default OptionalDouble smallest() {
        return ends().min();
    }

    /** The numbers among which its largest and smallest are: a range's bounds, or every choice if all are numbers. */
    private DoubleStream ends() {
        if (this instanceof IntDistribution i) {
            return DoubleStream.of(i.low(), i.high());
        }
        if (this instanceof FloatDistribution f) {
            return DoubleStream.of(f.low(), f.high());
        }
        var choices = ((CategoricalDistribution) this).choices();
        return choices.stream().allMatch(c -> c instanceof Number)
                ? choices.stream().mapToDouble(c -> ((Number) c).doubleValue()) : DoubleStream.empty();
    }

    /** The value as a sampler sees it. */
    double toInternal(Object value);

    /** The typed value (Double, Integer or the choice) for an internal number. */
    Object fromInternal(double internal);

    /** This distribution as JSON, e.g. {@code {"type":"float","low":0.0,"high":1.0,"log":false,"step":null}}. */
    default String toJson() {
        try {
            return SpaceJson.MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@link #toJson()} back; a malformed or invalid distribution fails with the reason. */
    static Distribution fromJson(String json) {
        try {
            return SpaceJson.MAPPER.readValue(json, Distribution.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a distribution: " + SpaceJson.reason(e), e);
        }
    }
}
