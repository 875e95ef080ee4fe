package dev.templatelab.architectures;

import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * How the classifier turns logits into predictions. Clarifai's {@code logreg} hyperparameter picks it:
 * {@code logreg=1} is independent sigmoids (multi-label, binary cross-entropy), {@code logreg=0} is
 * softmax over mutually exclusive classes (cross-entropy).
 */
public enum HeadActivation {
    SOFTMAX(Activation.SOFTMAX, LossFunction.MCXENT),
    SIGMOID(Activation.SIGMOID, LossFunction.XENT);

    private final Activation activation;
    private final LossFunction loss;

    HeadActivation(Activation activation, LossFunction loss) {
        this.activation = activation;
        this.loss = loss;
    }

    public Activation activation() {
        return activation;
    }

    public LossFunction loss() {
        return loss;
    }

    /** Clarifai's {@code logreg}: 1 = sigmoid, 0 = softmax. */
    public static HeadActivation fromLogreg(int logreg) {
        return switch (logreg) {
            case 0 -> SOFTMAX;
            case 1 -> SIGMOID;
            default -> throw new IllegalArgumentException("logreg must be 0 (softmax) or 1 (sigmoid), got " + logreg);
        };
    }
}
