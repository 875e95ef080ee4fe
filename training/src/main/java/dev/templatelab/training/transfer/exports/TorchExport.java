package dev.templatelab.training.transfer.exports;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.TempFiles;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.transfer.imports.NameMapping;
import dev.templatelab.training.transfer.imports.NameMappings;
import dev.templatelab.training.transfer.imports.SafetensorsWriter;
import dev.templatelab.training.transfer.imports.SourceTensor;
import dev.templatelab.training.transfer.imports.StateDictLayout;
import dev.templatelab.training.transfer.imports.WeightsImporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hands a checkpoint over to PyTorch: its weights as a safetensors state dict under the very names
 * {@code weights import} reads (torchvision's for the ResNets, Cadene's for BN-Inception, TF-slim scopes for
 * Inception-v2), with the template, spec, labels, preprocessing and the checkpoint's provenance in the header's
 * {@code __metadata__}; and beside it {@value #MODULE_FILE}, a PyTorch module that builds any template from such a
 * file (channel counts from the tensors, so every width multiplier) and preprocesses images as evaluation does.
 */
public final class TorchExport {

    /** {@code templatelab.format} of the files this build writes. */
    public static final String FORMAT = WeightsImporter.EXPORT_FORMAT;
    public static final String MODULE_FILE = "templatelab_torch.py";
    public static final String EXTENSION = ".safetensors";

    /** The module's first line: marks a {@value #MODULE_FILE} as TemplateLab's own, which an export may replace. */
    static final String MODULE_MARK = "# templatelab_torch.py";

    private static final String MODULE_RESOURCE = "/dev/templatelab/training/transfer/exports/" + MODULE_FILE;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What was written.
     *
     * @param module        the PyTorch module beside the weights
     * @param moduleWritten false where an identical module was already there
     * @param values        numbers in all tensors
     * @param sha256        the weights file's SHA-256
     */
    public record Exported(Path weights, Path module, boolean moduleWritten, String template, int classes,
                           int tensors, long values, String sha256) {
    }

    private TorchExport() {
    }

    /** Where {@link #export} puts the module for weights written to {@code weights}. */
    public static Path modulePath(Path weights) {
        return weights.toAbsolutePath().resolveSibling(MODULE_FILE);
    }

    /**
     * Refuses an export to {@code weights} before any work: a name without {@value #EXTENSION}, or a foreign
     * {@value #MODULE_FILE} beside it (one of TemplateLab's own, older or not, is replaced).
     */
    public static void checkTarget(Path weights) throws IOException {
        if (!weights.getFileName().toString().endsWith(EXTENSION)) {
            throw new IllegalArgumentException(weights + " does not end in " + EXTENSION
                    + "; name the weights file e.g. model" + EXTENSION);
        }
        Path module = modulePath(weights);
        if (Files.exists(module) && !isOurs(module)) {
            throw new IllegalArgumentException(module + " exists and is not TemplateLab's module; the export writes its "
                    + MODULE_FILE + " beside the weights, so move that file or export into another folder");
        }
    }

    /** Writes {@code checkpoint}'s network to {@code weights} (atomically) and the module beside it. */
    public static Exported export(Path checkpoint, Path weights) throws IOException {
        checkTarget(weights);
        Checkpoints.Loaded loaded = Checkpoints.read(checkpoint, false);
        CheckpointMetadata m = loaded.metadata();
        NameMapping mapping = NameMappings.forTemplate(m.template());
        Map<String, SourceTensor> tensors = tensors(loaded.network(), mapping);
        Map<String, String> header = header(m, mapping, loaded.sha256());

        Path target = weights.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = TempFiles.nextTo(target);
        try {
            SafetensorsWriter.write(tmp, tensors, header);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        boolean moduleWritten = writeModule(modulePath(target));
        long values = tensors.values().stream().mapToLong(t -> t.values().length).sum();
        return new Exported(target, modulePath(target), moduleWritten, m.template(), m.spec().numClasses(),
                tensors.size(), values, Checkpoints.sha256(target));
    }

    /** Every parameter of {@code net} as its PyTorch tensor, in the network's layer order. */
    static Map<String, SourceTensor> tensors(ComputationGraph net, NameMapping mapping) {
        Map<String, SourceTensor> tensors = new LinkedHashMap<>();
        for (StateDictLayout.Entry e : StateDictLayout.of(net.getConfiguration(), net, mapping, true)) {
            INDArray param = net.getLayer(e.layer()).getParam(e.param());
            INDArray value = e.transposed() ? param.reshape('c', param.size(0), param.size(1)).transpose() : param;
            float[] values = value.dup('c').data().asFloat();
            tensors.put(e.tensor(), new SourceTensor(e.tensor(), "F32", e.tensorShape(), values));
        }
        return tensors;
    }

    /** The {@code __metadata__} strings: what {@value #MODULE_FILE} builds and how it feeds the network. */
    static Map<String, String> header(CheckpointMetadata m, NameMapping mapping, String checkpointSha256)
            throws IOException {
        TemplateSpec spec = m.spec();
        DataConfig data = m.data();
        Map<String, Object> preprocessing = new LinkedHashMap<>();
        preprocessing.put("width", spec.width());
        preprocessing.put("height", spec.height());
        preprocessing.put("channels", spec.channels());
        preprocessing.put("channelOrder", data.channelOrder().name());
        preprocessing.put("mean", data.mean());
        preprocessing.put("std", data.std());
        preprocessing.put("resize", "whole image to width x height, Pillow BILINEAR with antialiasing, on floats");

        Map<String, String> header = new LinkedHashMap<>();
        header.put("templatelab.format", FORMAT);
        header.put("templatelab.template", m.template());
        header.put("templatelab.spec", JSON.writeValueAsString(spec));
        header.put("templatelab.labels", JSON.writeValueAsString(m.labels()));
        header.put("templatelab.preprocessing", JSON.writeValueAsString(preprocessing));
        header.put("templatelab.mapping", mapping.id());
        header.put("templatelab.checkpointSha256", checkpointSha256);
        header.put("templatelab.checkpoint", Checkpoints.toJson(m));
        return header;
    }

    /** The module's text as shipped in this build. */
    public static String moduleSource() {
        try (InputStream in = TorchExport.class.getResourceAsStream(MODULE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(MODULE_RESOURCE + " is missing from this build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean writeModule(Path module) throws IOException {
        byte[] source = moduleSource().getBytes(StandardCharsets.UTF_8);
        if (Files.isRegularFile(module) && Arrays.equals(Files.readAllBytes(module), source)) {
            return false;
        }
        Path tmp = TempFiles.nextTo(module);
        try {
            Files.write(tmp, source);
            Files.move(tmp, module, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return true;
    }

    private static boolean isOurs(Path module) throws IOException {
        if (!Files.isRegularFile(module)) {
            return false;
        }
        try (var lines = Files.lines(module, StandardCharsets.UTF_8)) {
            return lines.findFirst().map(l -> l.startsWith(MODULE_MARK)).orElse(false);
        } catch (UncheckedIOException e) {
            return false;    // not UTF-8 text: not ours
        }
    }
}
