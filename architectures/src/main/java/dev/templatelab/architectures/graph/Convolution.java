package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.runtime.OneDnnConvolutionLayer;
import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A convolution of the templates (identity activation: a batch norm or a merge always follows; an inference
 * network, {@code InferenceNetwork}, folds the batch norm in and may give it a ReLU): DL4J's
 * convolution layer, plus PyTorch's {@code groups}, which DL4J 1.0.0-M2.1 lacks. With {@code groups > 1} the
 * input channels are split into groups and each group's output channels see only their group's inputs; the
 * weight is PyTorch's {@code [out, in/groups, k, k]} (the same bytes as oneDNN's {@code goihw}), so pretrained
 * weights copy as they are. Its run-time layer is {@link OneDnnConvolutionLayer}: oneDNN's convolution called
 * directly on the fast path; otherwise DL4J's own convolution code, or for groups one libnd4j convolution per
 * group.
 */
public class Convolution extends ConvolutionLayer {

    private int groups = 1;

    /** For JSON deserialisation. */
    public Convolution() {
    }

    public Convolution(int kernel, int stride, int padding, int nOut, int groups, boolean bias) {
        this(kernel, stride, padding, ConvolutionMode.Truncate, nOut, groups, bias);
    }

    /**
     * With {@code mode} {@link ConvolutionMode#Same} the layer pads as TensorFlow's SAME does (the extra row or
     * column, if any, at the bottom or right) and {@code padding} must be 0.
     */
    public Convolution(int kernel, int stride, int padding, ConvolutionMode mode, int nOut, int groups, boolean bias) {
        super(new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).padding(padding, padding).nOut(nOut)
                .convolutionMode(mode).hasBias(bias).activation(Activation.IDENTITY));
        if (mode == ConvolutionMode.Same && padding != 0) {
            throw new IllegalArgumentException("a SAME-padded convolution computes its padding; got padding "
                    + padding);
        }
        if (kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("convolution kernel " + kernel + ", stride " + stride + ", padding "
                    + padding + ": kernel and stride must be >= 1, padding >= 0");
        }
        if (groups < 1 || nOut % groups != 0) {
            throw new IllegalArgumentException(nOut + " output channels cannot be split into " + groups + " groups");
        }
        this.groups = groups;
    }

    public int getGroups() {
        return groups;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        super.setNIn(inputType, override);
        if (nIn % groups != 0) {
            throw new IllegalArgumentException("convolution " + getLayerName() + ": " + nIn
                    + " input channels cannot be split into " + groups + " groups");
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new OneDnnConvolutionLayer(conf, networkDataType, groups), this, conf, listeners,
                layerIndex, paramsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return ConvolutionParams.INSTANCE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Convolution other && groups == other.groups && super.equals(o);
    }

    /** Lombok's equals in DL4J's layer asks this, so that a plain convolution never equals one of these. */
    @Override
    protected boolean canEqual(Object other) {
        return other instanceof Convolution;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), groups);
    }
}
