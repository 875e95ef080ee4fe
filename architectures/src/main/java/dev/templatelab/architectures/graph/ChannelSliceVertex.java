package dev.templatelab.architectures.graph;

import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InputType.InputTypeConvolutional;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Channels {@code [from, to]} (inclusive) of a CNN activation. DL4J 1.0.0-M2.1's {@link SubsetVertex}
 * slices correctly at run time but reports {@code from - to + 1} channels for CNN inputs (negative), which
 * breaks every layer after it when the graph infers shapes from {@code setInputTypes}; this vertex keeps
 * the runtime slicing and fixes the declared shape.
 */
public class ChannelSliceVertex extends SubsetVertex {

    public ChannelSliceVertex(@JsonProperty("from") int from, @JsonProperty("to") int to) {
        super(from, to);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("invalid channel range [" + from + ", " + to + "]");
        }
    }

    @Override
    public ChannelSliceVertex clone() {
        return new ChannelSliceVertex(getFrom(), getTo());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelSliceVertex s && s.getFrom() == getFrom() && s.getTo() == getTo();
    }

    @Override
    public int hashCode() {
        return 31 * getFrom() + getTo();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length == 1 && vertexInputs[0] instanceof InputTypeConvolutional conv) {
            if (getTo() >= conv.getChannels()) {
                throw new InvalidInputTypeException("channel slice [" + getFrom() + ", " + getTo() + "] out of range for "
                        + conv.getChannels() + " channels");
            }
            return InputType.convolutional(conv.getHeight(), conv.getWidth(), getTo() - getFrom() + 1, conv.getFormat());
        }
        return super.getOutputType(layerIndex, vertexInputs);
    }
}
