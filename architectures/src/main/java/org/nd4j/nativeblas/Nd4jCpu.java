package org.nd4j.nativeblas;

/**
 * Compatibility shim, not TemplateLab code: answers a stale class lookup inside DL4J 1.0.0-M2.1.
 *
 * <p>DL4J's {@code BaseMKLDNNHelper.mklDnnEnabled()} asks for {@code org.nd4j.nativeblas.Nd4jCpu$Environment}
 * and its {@code isUseMKLDNN()}, names from before 1.0.0-M1; M2.1's binding is
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.isUseONEDNN()}. The failed lookup
 * silently switches off every oneDNN layer helper (conv, pooling, batch norm) even on the oneDNN build,
 * so every convolution falls back to Java-side im2col + gemm (~4x slower training). This class forwards
 * the old name to the new binding. It is loaded only through that reflective lookup.
 *
 * <p>Remove it when DL4J's lookup uses the current binding (it does not in 1.0.0-M2.1, the last release
 * on Maven Central; see {@code dev.templatelab.architectures.runtime.Nd4jRuntime}).
 */
public final class Nd4jCpu {

    private Nd4jCpu() {
    }

    public static final class Environment {

        private static final Environment INSTANCE = new Environment();
        private static final String BINDING = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Whether the loaded native library was built with oneDNN and has it switched on. */
        public boolean isUseMKLDNN() {
            try {
                Class<?> binding = Class.forName(BINDING);
                Object environment = binding.getMethod("getInstance").invoke(null);
                return (Boolean) binding.getMethod("isUseONEDNN").invoke(environment);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;    // not the CPU backend: DL4J then keeps its built-in layers
            }
        }
    }
}
