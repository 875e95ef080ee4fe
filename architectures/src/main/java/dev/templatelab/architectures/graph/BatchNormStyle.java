package dev.templatelab.architectures.graph;

/**
 * Batch-norm settings of a published network.
 *
 * @param eps   variance epsilon (PyTorch 1e-5, TF-slim Inception 1e-3)
 * @param decay DL4J's running-average decay: running = decay * running + (1 - decay) * batch
 *              (PyTorch momentum 0.1 is decay 0.9; TF-slim's batch_norm_decay is the same number)
 * @param scale whether the layer learns a scale gamma; TF-slim's Inception arg scope has {@code scale=False}
 */
public record BatchNormStyle(double eps, double decay, boolean scale) {

    /** torchvision / Cadene: eps 1e-5, momentum 0.1, affine. */
    public static final BatchNormStyle PYTORCH = new BatchNormStyle(1e-5, 0.9, true);

    /** TF-slim inception_arg_scope: epsilon 0.001, decay 0.9997, no scale (beta only). */
    public static final BatchNormStyle TF_SLIM_INCEPTION = new BatchNormStyle(1e-3, 0.9997, false);
}
