package dev.templatelab.architectures.runtime;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Mixed-precision training on CPUs with AVX-512 BF16: every convolution of a network multiplies in bfloat16 (its
 * input, weights and output gradient rounded to bfloat16 as oneDNN reads them) and sums and writes in float32.
 * Everything else stays float32: the weights the updater steps, batch norm, the activations between layers, the
 * loss. This is the split PyTorch's CPU autocast makes for convolutions.
 *
 * <p>Why: on such a CPU oneDNN's bfloat16 kernels do twice the multiply-adds per instruction; ResNet-50 at 224 px,
 * batch 8, trained 41-68 % faster (README "Performance"). A convolution for which oneDNN has no bfloat16 kernel
 * stays float32: its reference code would be far slower (oneDNN 2.5 has kernels for every template convolution but
 * Inception-v2's depthwise stem, one input channel a group).
 *
 * <p>Switched per network (a run-time choice, like the layouts of {@link BlockedActivations}, not part of the
 * graph or of a checkpoint): training applies it from the {@code precision} hyperparameter.
 */
public final class Bfloat16Convolutions {

    private Bfloat16Convolutions() {
    }

    /** Whether this CPU has oneDNN's bfloat16 kernels: AVX-512 BF16 (or AMX) and the oneDNN helpers on. */
    public static boolean supported() {
        if (!Nd4jRuntime.oneDnnHelpersActive()) {
            return false;
        }
        String isa = OneDnn.isa();
        return isa.contains("bf16") || isa.contains("amx");
    }

    /** Refuses bfloat16 on a machine without its kernels, saying what it has and what to do instead. */
    public static void requireSupported() {
        if (!supported()) {
            throw new IllegalArgumentException("precision=bfloat16 needs a CPU with AVX-512 BF16 and the oneDNN fast path; "
                    + "this machine runs oneDNN on "
                    + (Nd4jRuntime.oneDnnHelpersActive() ? OneDnn.isa() : "no CPU kernels (helpers off or another backend)")
                    + ". Train with precision=float32 (the default).");
        }
    }

    /**
     * Makes every convolution of {@code net} multiply in bfloat16 ({@code on}) or in float32 again.
     *
     * @return how many convolutions were switched
     * @throws IllegalArgumentException when {@code on} and this machine cannot: no AVX-512 BF16, the oneDNN helpers
     *                               off, or a network that is not float32
     */
    public static int apply(ComputationGraph net, boolean on) {
        if (on) {
            requireSupported();
        }
        if (on && net.getConfiguration().getDataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("precision=bfloat16 applies to float32 networks, not "
                    + net.getConfiguration().getDataType());
        }
        int switched = 0;
        for (Layer layer : net.getLayers()) {
            if (layer instanceof OneDnnConvolutionLayer convolution) {
                convolution.computeInBfloat16(on);
                switched++;
            }
        }
        return switched;
    }
}
