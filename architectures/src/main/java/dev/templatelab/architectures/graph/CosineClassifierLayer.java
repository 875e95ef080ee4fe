package dev.templatelab.architectures.graph;

import java.util.Map;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scaled cosine classifier: {@code logits = scale * x . (W / ||W||)}, one unit-norm weight column per class.
 * Fed an L2-normalised embedding, each logit is {@code scale} times the cosine between the embedding and a
 * class direction (NormFace / CosFace without margin). The scale is an inverse temperature: with unit
 * vectors the logits are bounded by +-scale, so softmax needs scale ~ 10-30 to become confident.
 */
public class CosineClassifierLayer extends SameDiffLayer {

    public static final String WEIGHT = "W";

    // Bean properties: DL4J's JSON mapper serialises layers through getters and setters only.
    private long inputSize;
    private long classes;
    private double scale;

    /** For JSON deserialisation. */
    protected CosineClassifierLayer() {
    }

    public CosineClassifierLayer(long classes, double scale) {
        this.classes = classes;
        this.scale = scale;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
        SDVariable w = params.get(WEIGHT);
        SDVariable unitColumns = w.div(w.norm2(true, 0));
        return input.mmul(unitColumns).mul(scale);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(WEIGHT, inputSize, classes);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // Direction is all that matters after the column normalisation: any isotropic draw works.
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            params.get(WEIGHT).assign(Nd4j.randn(params.get(WEIGHT).dataType(), inputSize, classes).muli(Math.sqrt(1.0 / inputSize)));
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(classes);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType.getType() != InputType.Type.FF) {
            throw new IllegalArgumentException("cosine classifier needs a feed-forward input, got " + inputType);
        }
        if (inputSize <= 0 || override) {
            inputSize = inputType.arrayElementsPerExample();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    public long getInputSize() {
        return inputSize;
    }

    public void setInputSize(long inputSize) {
        this.inputSize = inputSize;
    }

    public long getClasses() {
        return classes;
    }

    public void setClasses(long classes) {
        this.classes = classes;
    }

    public double getScale() {
        return scale;
    }

    public void setScale(double scale) {
        this.scale = scale;
    }
}
