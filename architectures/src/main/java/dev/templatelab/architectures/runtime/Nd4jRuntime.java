package dev.templatelab.architectures.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one place that decides how ND4J/DL4J run in TemplateLab, so no user has to know a flag.
 *
 * <p>On the CPU backend, DL4J 1.0.0-M2.1 ships oneDNN layer helpers (convolution, pooling, batch norm)
 * that never run by default, for two reasons fixed here:
 * <ol>
 *   <li>{@code HelperUtils} reads the system property {@value #HELPERS_DISABLED_PROPERTY}, which defaults
 *       to {@code true}; {@link #configure()} sets it to {@code false} unless the user set it.</li>
 *   <li>{@code BaseMKLDNNHelper} checks oneDNN through a class name that no longer exists; the shim
 *       {@code org.nd4j.nativeblas.Nd4jCpu} answers it (see there).</li>
 * </ol>
 * Both become unnecessary once a DL4J release reads the helper switch and binding correctly.
 * Measured effect (ResNet-50, 224 px, batch 8, 2 cores): README "Performance".
 */
public final class Nd4jRuntime {

    public static final String HELPERS_DISABLED_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

    private static volatile boolean configured;

    private Nd4jRuntime() {
    }

    /** Idempotent; call before the first network is created (templates do it for you). */
    public static void configure() {
        if (configured) {
            return;
        }
        synchronized (Nd4jRuntime.class) {
            if (!configured) {
                if (System.getProperty(HELPERS_DISABLED_PROPERTY) == null) {
                    System.setProperty(HELPERS_DISABLED_PROPERTY, "false");
                }
                configured = true;
            }
        }
    }

    /**
     * Readies a network for the fast paths, once after it is made, restored from a checkpoint or changed:
     * activations held in oneDNN's blocked layout where they can be ({@link BlockedActivations}), and no gradient
     * computed for the images ({@link InputGradients}).
     */
    public static void prepare(ComputationGraph net) {
        BlockedActivations.apply(net);
        InputGradients.skipAtNetworkInputs(net);
    }

    /** Whether DL4J layers will use the oneDNN helpers. */
    public static boolean oneDnnHelpersActive() {
        configure();
        return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLED_PROPERTY))
                && BaseMKLDNNHelper.mklDnnEnabled();
    }

    /** Backend, native build and helper status, for logs, {@code bench} and provenance. */
    public static Map<String, Object> describe() {
        configure();
        var env = Nd4j.getExecutioner().getEnvironmentInformation();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("backend", String.valueOf(env.getOrDefault("backend", "unknown")));
        info.put("blas", String.valueOf(env.getOrDefault("blas.vendor", "unknown")));
        info.put("threads", String.valueOf(env.getOrDefault("omp.threads", "unknown")));
        boolean helpers = oneDnnHelpersActive();
        info.put("oneDnnHelpers", helpers);
        if (helpers) {
            info.put("oneDnnIsa", OneDnn.isa());
            info.put("oneDnnChannelBlock", OneDnn.CHANNEL_BLOCK);
        }
        info.put("dataType", Nd4j.dataType().toString());
        info.put("offHeapLimitBytes", Pointer.maxBytes());
        List<Map<String, Object>> devices = devices(env);
        if (!devices.isEmpty()) {
            info.put("devices", devices);
        }
        return info;
    }

    /** True when ND4J runs on the CUDA backend (the {@code -Pcuda} build on a machine with a GPU). */
    public static boolean onGpu() {
        return String.valueOf(describe().get("backend")).toUpperCase(Locale.ROOT).contains("CUDA");
    }

    /** One line for startup logs: backend, devices and memory, e.g. {@code CUDA: NVIDIA H200 (139.8 GiB, 139.1 free)}. */
    public static String summaryLine() {
        Map<String, Object> info = describe();
        StringBuilder line = new StringBuilder().append(info.get("backend"));
        if (info.get("devices") instanceof List<?> devices && !devices.isEmpty()) {
            line.append(": ");
            for (int i = 0; i < devices.size(); i++) {
                Map<?, ?> d = (Map<?, ?>) devices.get(i);
                line.append(i == 0 ? "" : ", ").append(d.get("name")).append(String.format(Locale.ROOT,
                        " (%.1f GiB, %.1f free)", gib(d.get("totalMemoryBytes")), gib(d.get("freeMemoryBytes"))));
            }
        } else {
            line.append(": ").append(info.get("threads")).append(" threads, BLAS ").append(info.get("blas"))
                    .append(", oneDNN helpers ").append(Boolean.TRUE.equals(info.get("oneDnnHelpers"))
                            ? "on (" + info.get("oneDnnIsa") + ", " + info.get("oneDnnChannelBlock") + "-channel blocks)"
                            : "off");
        }
        line.append(String.format(Locale.ROOT, ", off-heap limit %.1f GiB, %s", gib(info.get("offHeapLimitBytes")),
                info.get("dataType")));
        return line.toString();
    }

    // The CUDA executioner lists its GPUs under "cuda.devicesInformation"; the CPU one has no such key.
    private static List<Map<String, Object>> devices(Map<?, ?> env) {
        List<Map<String, Object>> devices = new ArrayList<>();
        if (env.get("cuda.devicesInformation") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("name", String.valueOf(m.get("cuda.deviceName")));
                    d.put("totalMemoryBytes", m.get("cuda.totalMemory"));
                    d.put("freeMemoryBytes", m.get("cuda.freeMemory"));
                    d.put("computeCapability", m.get("cuda.deviceMajor") + "." + m.get("cuda.deviceMinor"));
                    devices.add(d);
                }
            }
        }
        return devices;
    }

    private static double gib(Object bytes) {
        return bytes instanceof Number n ? n.doubleValue() / (1L << 30) : Double.NaN;
    }
}
