package dev.templatelab.architectures.stats;

import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.graph.CosineClassifierLayer;
import dev.templatelab.architectures.graph.Convolution;
import dev.templatelab.architectures.graph.Frozen;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InputType.InputTypeConvolutional;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Size and cost of a network in the conventions papers and model zoos publish:
 * trainable parameters = weights + biases + BN gamma/beta (BN running statistics and frozen gammas
 * excluded, which DL4J's {@code numParams()} counts), and multiply-accumulates per image of the
 * convolutions and fully connected layers (BN, pooling and activations not counted, as torchvision's
 * and fvcore's GMAC figures do not).
 */
public record ModelStats(long trainableParams, long macs) {

    public static ModelStats of(TemplateGraph template, ComputationGraph net) {
        return new ModelStats(trainableParams(net), macs(template.configuration(), template.input()));
    }

    /** Parameters that an updater trains: every parameter array but the frozen ones and batch norm's statistics. */
    public static long trainableParams(ComputationGraph net) {
        long total = 0;
        for (Layer layer : net.getLayers()) {
            var conf = layer.conf().getLayer();
            for (Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> p : layer.paramTable().entrySet()) {
                if (!Frozen.isFixed(conf.getUpdaterByParam(p.getKey()))) {
                    total += p.getValue().length();
                }
            }
        }
        return total;
    }

    /** Multiply-accumulates per image, from the configuration and its inferred activation shapes. */
    public static long macs(ComputationGraphConfiguration conf, InputType input) {
        Map<String, InputType> shapes = conf.getLayerActivationTypes(input);
        long total = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) {
                continue;
            }
            var layer = lv.getLayerConf().getLayer();
            InputType out = shapes.get(e.getKey());
            if (layer instanceof ConvolutionLayer c && out instanceof InputTypeConvolutional o) {
                int[] k = c.getKernelSize();
                long inputsPerOutput = c instanceof Convolution g ? c.getNIn() / g.getGroups() : c.getNIn();
                total += o.getHeight() * o.getWidth() * c.getNOut() * inputsPerOutput * k[0] * k[1];
            } else if (layer instanceof CosineClassifierLayer cos) {
                total += cos.getInputSize() * cos.getClasses();
            } else if (layer instanceof DenseLayer || layer instanceof BaseOutputLayer) {
                FeedForwardLayer ff = (FeedForwardLayer) layer;
                total += ff.getNIn() * ff.getNOut();
            }
        }
        return total;
    }
}
