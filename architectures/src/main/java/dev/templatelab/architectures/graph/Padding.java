package dev.templatelab.architectures.graph;

/**
 * How a published network pads its convolutions and pools. Both are built from explicit paddings
 * (DL4J's Truncate mode): DL4J's oneDNN convolution helper does not take its Same mode, which would send
 * every convolution of a TF-style network down the slow im2col path.
 */
public enum Padding {
    /** PyTorch/Caffe: the padding each layer states, on all four sides. */
    EXPLICIT,
    /**
     * TensorFlow {@code SAME}: output = ceil(input / stride); the total padding is split with the extra
     * row/column at the bottom/right. Symmetric cases become the layer's own padding, asymmetric ones a
     * zero-padding layer in front.
     */
    TF_SAME
}
