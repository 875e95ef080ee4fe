package dev.templatelab.training.transfer.imports;

import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.runtime.BlockedActivations;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runs a checkpoint on a preprocessed NCHW batch and returns the classifier's pre-activation outputs
 * (logits), in eval mode. The graph is rebuilt for the batch's height and width when they differ from the
 * checkpoint's (Caffe's ceil-mode and TF's SAME paddings depend on the size), with every parameter
 * copied by layer name.
 */
public final class RawLogits {

    /** Images per forward pass: feedForward keeps every activation (~140 MB per 224 px image for ResNet-50). */
    private static final int CHUNK = 4;

    private RawLogits() {
    }

    /** Logits of a loaded checkpoint for an NCHW batch. */
    public static INDArray compute(Checkpoints.Loaded checkpoint, INDArray input) {
        return compute(checkpoint.network(), checkpoint.metadata(), input);
    }

    /** Logits of {@code network}, described by {@code metadata}, for an NCHW batch. */
    public static INDArray compute(ComputationGraph network, CheckpointMetadata metadata, INDArray input) {
        if (metadata.extra().get("importedFrom") instanceof Map<?, ?> imported
                && Boolean.FALSE.equals(imported.get("headImported"))) {
            throw new IllegalArgumentException("this checkpoint's weights file had no classifier: its head is random, "
                    + "so it is a backbone for transfer ('--set pretrained_weights=NAME'), not a model to run");
        }
        TemplateSpec spec = metadata.spec();
        if (input.rank() != 4) {
            throw new IllegalArgumentException("input must be a 4-d NCHW float array, got shape " + Arrays.toString(input.shape()));
        }
        if (input.size(1) != spec.channels()) {
            throw new IllegalArgumentException("input has " + input.size(1) + " channels (shape "
                    + Arrays.toString(input.shape()) + "); the network takes " + spec.channels()
                    + " (NCHW layout: batch, channels, height, width)");
        }
        int h = (int) input.size(2);
        int w = (int) input.size(3);
        if (h < 32 || w < 32) {
            throw new IllegalArgumentException("input is " + h + "x" + w + " pixels; the templates need at least 32x32");
        }
        Template template = TemplateRegistry.standard().get(metadata.template());
        TemplateSpec atSize = new TemplateSpec(spec.numClasses(), h, w, spec.channels(), spec.widthMultiplier(),
                spec.embeddingSize(), spec.cosineScale(), spec.head());
        TemplateGraph graph = template.build(atSize);
        ComputationGraph net = network;
        if (h != spec.height() || w != spec.width()) {
            ComputationGraph resized = graph.newNetwork(0);
            copyAll(net, resized);
            net = resized;
        }
        String classifierInput = graph.configuration().getVertexInputs().get(TemplateGraph.OUTPUT).get(0);
        INDArray x = input.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        long n = x.size(0);
        INDArray out = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, spec.numClasses());
        for (long from = 0; from < n; from += CHUNK) {
            long to = Math.min(n, from + CHUNK);
            INDArray part = x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).dup();
            out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).assign(logits(net, classifierInput, part));
        }
        return out;
    }

    private static INDArray logits(ComputationGraph net, String classifierInput, INDArray x) {
        Map<String, INDArray> activations = net.feedForward(new INDArray[] {x}, false);
        INDArray features = BlockedActivations.plain(net, classifierInput, activations.get(classifierInput));
        Layer classifier = net.getLayer(TemplateGraph.OUTPUT);
        if (classifier.conf().getLayer() instanceof BaseOutputLayer) {
            return features.mmul(classifier.getParam("W")).addiRowVector(classifier.getParam("b"));
        }
        return features;        // a loss layer (EmbedNorm): its input is the logits
    }

    /** Every parameter of {@code to} from the layer of the same name in {@code from}. */
    static void copyAll(ComputationGraph from, ComputationGraph to) {
        for (Layer layer : to.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            Layer source = from.getLayer(name);
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                INDArray src = source.getParam(p.getKey());
                if (!Arrays.equals(src.shape(), p.getValue().shape())) {
                    throw new IllegalStateException(name + "_" + p.getKey() + " changes shape with the input size");
                }
                p.getValue().assign(src);
            }
        }
    }

    /** The arg-max class index of each row. */
    public static List<Integer> top1(INDArray logits) {
        return Arrays.stream(logits.argMax(1).toLongVector()).mapToObj(i -> (int) i).toList();
    }
}
