package dev.templatelab.training.transfer.imports;

import dev.templatelab.architectures.graph.CosineClassifierLayer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Which PyTorch state-dict tensor holds each DL4J parameter of a network, in both directions: {@link WeightsImporter}
 * reads a state dict through it and {@code TorchExport} writes one.
 *
 * <p>Convolution weights are OIHW on both sides and copied as they are (a grouped convolution's
 * {@code [out, in/groups, k, k]} too); dense weights are {@code [out, in]} in PyTorch (or a 1x1 convolution's
 * {@code [out, in, 1, 1]}: TF-slim's logits) and {@code [in, out]} in DL4J; batch norm's weight, bias, running_mean and
 * running_var are gamma, beta, mean and var (the templates keep the variance, not its log).
 */
public final class StateDictLayout {

    /**
     * One DL4J parameter and its tensor.
     *
     * @param layer       the DL4J layer vertex
     * @param param       the layer's parameter key ({@code W}, {@code b}, {@code gamma}, ...)
     * @param tensor      the state-dict name, e.g. {@code layer1.0.conv1.weight}
     * @param tensorShape the tensor's PyTorch shape
     * @param transposed  whether the DL4J parameter is the tensor's transpose (dense weights)
     */
    public record Entry(String layer, String param, String tensor, long[] tensorShape, boolean transposed) {

        @Override
        public long[] tensorShape() {
            return tensorShape.clone();
        }
    }

    private StateDictLayout() {
    }

    /**
     * Every parameter of every layer of {@code net} (configured by {@code conf}) with its tensor under
     * {@code mapping}; {@code withOptional} false leaves out the mapping's optional layers (a file without a head).
     */
    public static List<Entry> of(ComputationGraphConfiguration conf, ComputationGraph net, NameMapping mapping,
                                 boolean withOptional) {
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (var e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv) || lv.numParams(false) == 0) {
                continue;
            }
            String layerName = e.getKey();
            if (!withOptional && mapping.optionalLayers().contains(layerName)) {
                continue;
            }
            String module = mapping.prefixOf(layerName);
            Layer layer = net.getLayer(layerName);
            var layerConf = lv.getLayerConf().getLayer();
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                String param = p.getKey();
                long[] shape = p.getValue().shape();
                Entry entry;
                if (layerConf instanceof BatchNormalization) {
                    String suffix = switch (param) {
                        case "gamma" -> "weight";
                        case "beta" -> "bias";
                        case "mean" -> "running_mean";
                        case "var" -> "running_var";
                        default -> throw new IllegalStateException(layerName + ": batch-norm parameter " + param
                                + " (log-std batch norm has no PyTorch counterpart)");
                    };
                    entry = new Entry(layerName, param, module + "." + suffix, new long[] {p.getValue().length()}, false);
                } else if (layerConf instanceof ConvolutionLayer) {
                    boolean weight = param.equals("W");
                    long[] tensorShape = weight ? shape.clone() : new long[] {p.getValue().length()};
                    entry = new Entry(layerName, param, module + (weight ? ".weight" : ".bias"), tensorShape, false);
                } else if (layerConf instanceof DenseLayer || layerConf instanceof BaseOutputLayer
                        || layerConf instanceof CosineClassifierLayer) {
                    if (param.equals("W")) {
                        long[] tensorShape = {shape[1], shape[0]};
                        if (module.equals("Logits.Conv2d_1c_1x1")) {
                            tensorShape = new long[] {shape[1], shape[0], 1, 1};      // TF-slim's logits are a 1x1 conv
                        }
                        entry = new Entry(layerName, param, module + ".weight", tensorShape, true);
                    } else {
                        entry = new Entry(layerName, param, module + ".bias", new long[] {p.getValue().length()}, false);
                    }
                } else {
                    throw new IllegalStateException("no state-dict rule for layer " + layerName + " ("
                            + layerConf.getClass().getSimpleName() + ")");
                }
                if (!seen.add(layerName + "/" + param)) {
                    throw new IllegalStateException("parameter mapped twice: " + layerName + "/" + param);
                }
                entries.add(entry);
            }
        }
        return entries;
    }
}
