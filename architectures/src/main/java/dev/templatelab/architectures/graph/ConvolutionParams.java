package dev.templatelab.architectures.graph;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.weights.WeightInitUtil;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DL4J's convolution parameters (bias first, then the weight, 'c' order), the weight {@code [out, in/groups, k, k]}
 * ({@code [out, in, k, k]} without groups, as DL4J's). Initialised as DL4J initialises a convolution of one group:
 * fan-in {@code in/groups * k * k}, as PyTorch's grouped convolution (and He init, the templates', reads only the
 * fan-in); fan-out {@code out/groups * k * k / stride^2}, as the per-group convolutions the templates had before.
 */
final class ConvolutionParams extends ConvolutionParamInitializer {

    static final ConvolutionParams INSTANCE = new ConvolutionParams();

    private static long[] weightShape(Convolution conf) {
        int[] k = conf.getKernelSize();
        return new long[] {conf.getNOut(), conf.getNIn() / conf.getGroups(), k[0], k[1]};
    }

    private static long weightLength(Convolution conf) {
        long n = 1;
        for (long d : weightShape(conf)) {
            n *= d;
        }
        return n;
    }

    @Override
    public long numParams(Layer layer) {
        Convolution conf = (Convolution) layer;
        return weightLength(conf) + (conf.hasBias() ? conf.getNOut() : 0);
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration netConf, INDArray gradientView) {
        Convolution conf = (Convolution) netConf.getLayer();
        INDArray flat = gradientView.reshape(gradientView.length());
        long bias = conf.hasBias() ? conf.getNOut() : 0;
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (conf.hasBias()) {
            out.put(BIAS_KEY, flat.get(NDArrayIndex.interval(0, bias)));
        }
        out.put(WEIGHT_KEY, flat.get(NDArrayIndex.interval(bias, bias + weightLength(conf))).reshape('c', weightShape(conf)));
        return out;
    }

    @Override
    protected INDArray createWeightMatrix(NeuralNetConfiguration netConf, INDArray weightView, boolean initializeParams) {
        Convolution conf = (Convolution) netConf.getLayer();
        long[] shape = weightShape(conf);
        if (!initializeParams) {
            return WeightInitUtil.reshapeWeights(shape, weightView, 'c');
        }
        int[] stride = conf.getStride();
        double fanIn = shape[1] * shape[2] * shape[3];
        double fanOut = (double) (shape[0] / conf.getGroups()) * shape[2] * shape[3] / ((double) stride[0] * stride[1]);
        return conf.getWeightInitFn().init(fanIn, fanOut, shape, 'c', weightView);
    }
}
