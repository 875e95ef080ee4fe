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

    /**
     * TF-slim inception_arg_scope: epsilon 0.001, no scale (beta only). TF-slim's running-average decay is
     * 0.9997, made for ImageNet-length runs: its running statistics need ~10,000 steps to forget their
     * initial values, so a run of a few hundred steps evaluated with statistics that were still mostly their
     * initial 0/1 (measured: 10 % validation accuracy on digits while BN-Inception, at 0.9, reached 71 %).
     * TemplateLab uses PyTorch's 0.9 here too; it changes only the inference-time running statistics, not
     * the network or its training-mode computation.
     */
    public static final BatchNormStyle TF_SLIM_INCEPTION = new BatchNormStyle(1e-3, 0.9, false);
}
