package dev.templatelab.architectures.inference;

import dev.templatelab.architectures.graph.AddRelu;
import dev.templatelab.architectures.graph.Convolution;
import dev.templatelab.architectures.graph.MomentsBatchNormalization;
import dev.templatelab.architectures.graph.ReluActivation;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A trained network as it is used for inference: every batch norm that directly follows a convolution is folded
 * into that convolution's weights and bias, as deployment tools do (PyTorch's {@code fuse_conv_bn_eval},
 * TensorRT, oneDNN's graph API). In inference a batch norm is a fixed per-channel affine map
 * {@code y = (x - mean) * gamma / sqrt(var + eps) + beta}; applied to a convolution's output it equals a
 * convolution with weights scaled by {@code gamma / sqrt(var + eps)} per output channel and a shifted bias.
 * A ReLU that then reads only that convolution (a separate layer, or the batch norm's own) becomes part of it
 * too (oneDNN applies it as the convolution writes its output), and a ReLU after a residual sum joins the sum
 * ({@link AddRelu}: one pass instead of three; the templates' training graphs have it already, older graphs a sum
 * and a ReLU layer).
 * Each removes a pass over the activations and its layout conversions: ResNet-50 inference here went from
 * 12.5-13.6 to 16.8 img/s (README "Performance").
 *
 * <p>The result computes the same outputs up to float rounding and is for inference only: it has no batch norms
 * to train, its convolutions gained biases, and a convolution with a fused ReLU trains only on DL4J's code (oneDNN's
 * post-op has no backward): it refuses where it has groups or holds its activations in oneDNN's blocked layout,
 * as on the fast path.
 * The trained network is left untouched; each call builds a new network, so call it once per use of a trained
 * network (an evaluation, a prediction run), not per batch. Graphs without these patterns (or saved before the
 * {@link Convolution} layer existed) come back as an equivalent copy.
 */
public final class InferenceNetwork {

    private InferenceNetwork() {
    }

    /** A vertex and the layer that reads its output, and nothing else does. */
    private record Pair(String first, String next) {
    }

    /**
     * The inference network of {@code trained}: a new network with batch norms folded into their convolutions,
     * ReLUs fused into convolutions and joined with residual sums.
     */
    public static ComputationGraph of(ComputationGraph trained) {
        ComputationGraphConfiguration conf = trained.getConfiguration().clone();     // deep: layers are copies
        List<Pair> pairs = foldablePairs(conf);
        for (Pair pair : pairs) {
            Convolution convolution = convolutionOf(conf, pair.first());
            convolution.setHasBias(true);
            if (layerOf(conf.getVertices().get(pair.next())) instanceof MomentsBatchNormalization bn && bn.isRelu()) {
                convolution.setActivationFn(new ActivationReLU());      // the batch norm's own ReLU
            }
            remove(conf, pair.next(), pair.first());
        }
        for (Pair pair : pairs(conf, InferenceNetwork::isConvolution, ReluActivation.class::isInstance)) {
            convolutionOf(conf, pair.first()).setActivationFn(new ActivationReLU());
            remove(conf, pair.next(), pair.first());
        }
        for (Pair pair : pairs(conf, InferenceNetwork::isResidualSum, ReluActivation.class::isInstance)) {
            conf.getVertices().put(pair.first(), new AddRelu());
            remove(conf, pair.next(), pair.first());
        }
        ComputationGraph folded = new ComputationGraph(conf);
        // every parameter is written below: skip the random initialisation a plain init() would make
        long numParams = conf.getVertices().values().stream().mapToLong(v -> v.numParams(true)).sum();
        folded.init(numParams == 0 ? null : Nd4j.createUninitialized(conf.getDataType(), 1, numParams), false);
        Map<String, String> foldedInto = new LinkedHashMap<>();
        pairs.forEach(p -> foldedInto.put(p.first(), p.next()));
        for (Layer layer : folded.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (foldedInto.containsKey(name)) {
                fold(trained.getLayer(name), trained.getLayer(foldedInto.get(name)), layer);
            } else {
                for (Map.Entry<String, INDArray> p : trained.getLayer(name).paramTable().entrySet()) {
                    layer.getParam(p.getKey()).assign(p.getValue());
                }
            }
        }
        Nd4jRuntime.prepare(folded);
        return folded;
    }

    private static List<Pair> foldablePairs(ComputationGraphConfiguration conf) {
        return pairs(conf, InferenceNetwork::isConvolution,
                next -> next instanceof BatchNormalization bn && !bn.isLockGammaBeta());
    }

    private static Convolution convolutionOf(ComputationGraphConfiguration conf, String vertex) {
        return (Convolution) layerOf(conf.getVertices().get(vertex));
    }

    private static boolean isConvolution(GraphVertex vertex) {
        return layerOf(vertex) instanceof Convolution;
    }

    /** DL4J's sum of its inputs (a residual connection). */
    private static boolean isResidualSum(GraphVertex vertex) {
        return vertex.getClass() == ElementWiseVertex.class
                && ((ElementWiseVertex) vertex).getOp() == ElementWiseVertex.Op.Add;
    }

    /**
     * Each vertex {@code first} accepts whose output only one layer reads, a layer {@code accepts} without a
     * preprocessor.
     */
    private static List<Pair> pairs(ComputationGraphConfiguration conf, Predicate<GraphVertex> first,
                                    Predicate<Object> accepts) {
        Map<String, List<String>> consumers = new LinkedHashMap<>();
        conf.getVertexInputs().forEach((vertex, inputs) -> inputs.forEach(
                input -> consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(vertex)));
        List<Pair> pairs = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            List<String> readers = consumers.getOrDefault(e.getKey(), List.of());
            if (!first.test(e.getValue()) || readers.size() != 1
                    || conf.getNetworkOutputs().contains(e.getKey())) {
                continue;
            }
            GraphVertex next = conf.getVertices().get(readers.get(0));
            if (accepts.test(layerOf(next)) && ((LayerVertex) next).getPreProcessor() == null) {
                pairs.add(new Pair(e.getKey(), readers.get(0)));
            }
        }
        return pairs;
    }

    /** Removes vertex {@code name}; whatever read it reads {@code replacement} instead. */
    private static void remove(ComputationGraphConfiguration conf, String name, String replacement) {
        conf.getVertices().remove(name);
        conf.getVertexInputs().remove(name);
        for (List<String> inputs : conf.getVertexInputs().values()) {
            inputs.replaceAll(input -> input.equals(name) ? replacement : input);
        }
        conf.getNetworkOutputs().replaceAll(out -> out.equals(name) ? replacement : out);
    }

    private static org.deeplearning4j.nn.conf.layers.Layer layerOf(GraphVertex vertex) {
        return vertex instanceof LayerVertex v ? v.getLayerConf().getLayer() : null;
    }

    /** Writes the convolution and batch norm's combined weights and bias into {@code target}. */
    private static void fold(Layer convolution, Layer batchNorm, Layer target) {
        double eps = ((BatchNormalization) batchNorm.conf().getLayer()).getEps();
        INDArray gamma = vector(batchNorm.getParam(BatchNormalizationParamInitializer.GAMMA));
        INDArray beta = vector(batchNorm.getParam(BatchNormalizationParamInitializer.BETA));
        INDArray mean = vector(batchNorm.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
        INDArray variance = batchNorm.paramTable().containsKey(BatchNormalizationParamInitializer.GLOBAL_VAR)
                ? vector(batchNorm.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR))
                : Transforms.pow(Transforms.pow(Nd4j.valueArrayOf(mean.shape(), 10.0, mean.dataType()),
                        vector(batchNorm.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)), false), 2, false);
        INDArray scale = gamma.div(Transforms.sqrt(variance.add(eps), false));       // per output channel

        INDArray weights = convolution.getParam(ConvolutionParamInitializer.WEIGHT_KEY).dup();
        Nd4j.getExecutioner().exec(new BroadcastMulOp(weights, scale, weights, 0));
        target.getParam(ConvolutionParamInitializer.WEIGHT_KEY).assign(weights);

        INDArray bias = convolution.paramTable().containsKey(ConvolutionParamInitializer.BIAS_KEY)
                ? vector(convolution.getParam(ConvolutionParamInitializer.BIAS_KEY))
                : Nd4j.zeros(mean.dataType(), mean.length());
        INDArray targetBias = target.getParam(ConvolutionParamInitializer.BIAS_KEY);
        targetBias.assign(bias.sub(mean).muli(scale).addi(beta).reshape(targetBias.shape()));
    }

    /** DL4J keeps per-channel parameters as [1, C]. */
    private static INDArray vector(INDArray a) {
        return a.reshape(a.length());
    }
}
