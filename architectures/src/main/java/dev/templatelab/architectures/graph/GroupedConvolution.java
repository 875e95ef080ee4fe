package dev.templatelab.architectures.graph;

import dev.templatelab.architectures.runtime.GroupedConvolutionLayer;
import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A grouped convolution, PyTorch's {@code Conv2d(..., groups=g)}: the input channels are split into {@code g}
 * groups and each group's output channels see only their group's inputs. DL4J 1.0.0-M2.1 has no {@code groups};
 * the weight is PyTorch's {@code [out, in/groups, k, k]} (the same bytes as oneDNN's {@code goihw}), so
 * pretrained weights copy as they are. Its run-time layer is {@link GroupedConvolutionLayer}: one oneDNN grouped
 * convolution on the fast path, one libnd4j convolution per group otherwise. Identity activation only (a
 * batch norm always follows in the templates).
 */
public class GroupedConvolution extends ConvolutionLayer {

    private int groups;

    /** For JSON deserialisation. */
    public GroupedConvolution() {
    }

    public GroupedConvolution(int kernel, int stride, int padding, int nOut, int groups, boolean bias) {
        super(new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).padding(padding, padding).nOut(nOut)
                .hasBias(bias).activation(Activation.IDENTITY));
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
            throw new IllegalArgumentException("grouped convolution " + getLayerName() + ": " + nIn
                    + " input channels cannot be split into " + groups + " groups");
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        return LayerWiring.wire(new GroupedConvolutionLayer(conf, networkDataType, groups), this, conf, listeners,
                layerIndex, paramsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return GroupedConvolutionParams.INSTANCE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupedConvolution other && groups == other.groups && super.equals(o);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), groups);
    }
}
