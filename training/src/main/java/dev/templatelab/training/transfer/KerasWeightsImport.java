package dev.templatelab.training.transfer;

import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.TrainingJob;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.checkpoint.Versions;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.Hyperparameters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pretrained weights from a Keras {@code .h5} file (Keras 2 functional or Sequential model, as
 * {@code model.save()} writes it). The file is read with DL4J's {@link KerasModelImport}, which also converts
 * TensorFlow's tensor layouts to DL4J's (a conv kernel {@code [kh, kw, in, out]} becomes {@code [out, in, kh, kw]}).
 * The layout must match the template: every backbone layer of the template (at the width multiplier given)
 * needs a Keras layer of the same name whose parameters have the same shapes, e.g. {@code conv1},
 * {@code bn1}, {@code layer1_0_conv1} for the ResNets (torchvision's state-dict names with '_' for '.');
 * {@code ./templatelab templates} and the architecture sources list the names. Keras parameter names map to
 * DL4J's as KerasModelImport does: kernel -> W, bias -> b, gamma/beta -> gamma/beta, moving_mean/variance ->
 * mean/var. ResNeXt's grouped 3x3 is one Keras layer per group ({@code <name>_group<g>}), since DL4J's Keras
 * import has no grouped convolution; the groups' kernels are joined in order into the template's one grouped
 * layer {@code <name>}. The head is not imported: transfer learning gives it a fresh initialisation anyway.
 *
 * <p>Nothing is written unless every backbone tensor fits; the weights are then registered like a checkpoint
 * ({@link WeightsRegistry}).
 */
public final class KerasWeightsImport {

    private KerasWeightsImport() {
    }

    /** What was imported: the registered entry, how many backbone layers and values were copied. */
    public record Imported(WeightsRegistry.Entry entry, int layers, long values) {
    }

    /**
     * Imports {@code h5} as pretrained weights {@code name} of {@code templateName}.
     *
     * @param overrides hyperparameters that shape the network, as {@code --set} strings (width_multiplier,
     *                  image_size, embedding_size, ...); the template's defaults otherwise
     */
    public static Imported importH5(Path h5, String templateName, String name, Map<String, String> overrides,
                                    TemplateLabHome home, WeightsRegistry.IfRegistered ifRegistered) throws IOException {
        Template template = TemplateRegistry.standard().get(templateName);
        WeightsRegistry registry = new WeightsRegistry(home.weights());
        registry.requireRegistrable(template.name(), name, ifRegistered);
        Hyperparameters hp = HyperparameterSchema.resolve(template, overrides);
        if (!Files.isRegularFile(h5)) {
            throw new IllegalArgumentException("Keras file " + h5 + " does not exist or is not a file");
        }
        // HDF5's native library prints dozens of HDF5-DIAG lines to stderr for a file that is not HDF5, before Java
        // hears of it: check its signature first.
        if (!isHdf5(h5)) {
            throw new IllegalArgumentException(h5 + " is not a Keras .h5 (HDF5) file; give a model saved by Keras 2's "
                    + "model.save()");
        }
        Map<String, Map<String, INDArray>> keras = readKerasParameters(h5);
        int classes = Math.max(2, outputSize(h5, keras));
        int size = hp.getInt("image_size");
        TemplateSpec spec = new TemplateSpec(classes, size, size, 3, hp.getDouble("width_multiplier"),
                hp.getInt("embedding_size"), hp.getDouble("cosine_scale"),
                HeadActivation.fromLogreg(hp.getInt("logreg")));
        TemplateGraph graph = template.build(spec);
        ComputationGraph net = graph.newNetwork(hp.getInt("seed"));
        long values;
        try {
            values = BackboneTransfer.copyBackbone(keras::get, "the Keras model", net, graph);
        } catch (IllegalArgumentException mismatch) {
            throw new IllegalArgumentException(h5 + " does not fit " + template.name() + ": " + mismatch.getMessage()
                    + "; nothing was registered", mismatch);
        }

        String sha = Checkpoints.sha256(h5);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            labels.add("class" + i);
        }
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("kerasFile", h5.toAbsolutePath().toString());
        provenance.put("kerasSha256", sha);
        provenance.put("backboneLayersCopied", graph.backboneLayers().size());
        CheckpointMetadata meta = new CheckpointMetadata(CheckpointMetadata.FORMAT, template.name(), spec, labels,
                TrainingJob.dataConfig(template, size), hp.values(), Map.of(),
                "keras:" + sha, hp.getInt("seed"), hp.getInt("seed"), 0, Versions.current(), Instant.now().toString(),
                provenance);
        Path dir = Files.createDirectories(home.work().resolve("keras-import"));
        Path checkpoint = Files.createTempFile(dir, template.name() + "-" + name, WeightsRegistry.EXTENSION);
        try {
            Checkpoints.write(checkpoint, net, meta);
            WeightsRegistry.Entry entry = registry.register(template.name(), name, checkpoint, ifRegistered);
            return new Imported(entry, graph.backboneLayers().size(), values);
        } finally {
            Files.deleteIfExists(checkpoint);
            Files.deleteIfExists(Checkpoints.sidecar(checkpoint));
        }
    }

    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    /**
     * Whether {@code file} starts with HDF5's signature: at offset 0 (as Keras writes it), or after a user block, at
     * 512, 1024, 2048, ... bytes, where the HDF5 specification lets it be.
     */
    static boolean isHdf5(Path file) throws IOException {
        try (SeekableByteChannel in = Files.newByteChannel(file)) {
            ByteBuffer head = ByteBuffer.allocate(HDF5_SIGNATURE.length);
            for (long offset = 0; offset + HDF5_SIGNATURE.length <= in.size(); offset = offset == 0 ? 512 : offset * 2) {
                head.clear();
                in.position(offset);
                while (head.hasRemaining() && in.read(head) > 0) {
                    // a channel may return fewer bytes than asked
                }
                if (Arrays.equals(head.array(), HDF5_SIGNATURE)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Layer name -> DL4J parameter name -> value, from a functional or Sequential Keras model. */
    static Map<String, Map<String, INDArray>> readKerasParameters(Path h5) {
        Map<String, Map<String, INDArray>> params = new LinkedHashMap<>();
        Layer[] layers;
        try {
            layers = KerasModelImport.importKerasModelAndWeights(h5.toString(), false).getLayers();
        } catch (Exception functional) {
            try {
                MultiLayerNetwork sequential = KerasModelImport.importKerasSequentialModelAndWeights(h5.toString(), false);
                layers = sequential.getLayers();
            } catch (Exception ignored) {
                throw new IllegalArgumentException("cannot read " + h5 + " as a Keras 2 .h5 model (a model_config and "
                        + "model_weights, as model.save() writes them): " + message(functional), functional);
            }
        }
        for (Layer layer : layers) {
            Map<String, INDArray> table = layer.paramTable();
            if (!table.isEmpty()) {
                params.put(layer.conf().getLayer().getLayerName(), table);
            }
        }
        return params;
    }

    /** Classes of the Keras model's head (its last layer with parameters), for the registered checkpoint's labels. */
    private static int outputSize(Path h5, Map<String, Map<String, INDArray>> keras) {
        List<Map<String, INDArray>> all = new ArrayList<>(keras.values());
        if (all.isEmpty()) {
            throw new IllegalArgumentException(h5 + " holds a Keras model without any weights");
        }
        INDArray bias = all.get(all.size() - 1).get("b");
        return bias == null ? 2 : (int) bias.length();
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
