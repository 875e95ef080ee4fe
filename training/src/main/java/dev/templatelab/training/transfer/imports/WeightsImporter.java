package dev.templatelab.training.transfer.imports;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.checkpoint.Versions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns a PyTorch state dict (safetensors or npz) into a template's DL4J network, tensor by tensor.
 *
 * <p>Layout conversions: convolution weights are OIHW on both sides and copied as they are (a grouped
 * convolution's {@code [out, in/groups, k, k]} too: {@code Convolution} keeps PyTorch's layout); dense weights {@code [out, in]} (or a 1x1 convolution's
 * {@code [out, in, 1, 1]}) are transposed to DL4J's {@code [in, out]}; batch norm's weight, bias,
 * running_mean and running_var become gamma, beta, mean and var (the templates keep the variance, not
 * its log). Every tensor is accounted for: a missing, unexpected or wrongly shaped one is an error
 * naming it, all of them reported at once; {@code num_batches_tracked} counters are bookkeeping and skipped.
 */
public final class WeightsImporter {

    /** Classes given to a template whose file has no classifier (a backbone for transfer only). */
    public static final int CLASSES_WITHOUT_HEAD = 1000;

    /** {@code templatelab.format} of the files {@code templatelab export} writes. */
    public static final String EXPORT_FORMAT = "export-1";

    private static final int MAX_LISTED_PROBLEMS = 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    private WeightsImporter() {
    }

    /**
     * An imported network with what the checkpoint needs to say about it.
     *
     * @param headImported whether the classifier came from the file (false: backbone for transfer only)
     */
    public record Imported(ComputationGraph network, TemplateSpec spec, List<String> labels, DataConfig data,
                           NameMapping mapping, boolean headImported, long values, int tensors,
                           List<String> droppedTensors) {
    }

    /**
     * Maps {@code tensors} onto {@code template} built at {@code size} px.
     *
     * @param labels class names, or null for {@code class_0 .. class_(n-1)}
     */
    public static Imported importInto(Template template, Map<String, SourceTensor> tensors, int size, List<String> labels,
                                      String fileName) {
        return importInto(template, tensors, size, labels, fileName, Map.of());
    }

    /**
     * As {@link #importInto(Template, Map, int, List, String)}, for a file with safetensors {@code metadata}: a
     * TemplateLab export ({@code templatelab.format} {@value #EXPORT_FORMAT}) is read back as it was exported, at its
     * spec (width multiplier, input size and channels, embedding, cosine scale, head), with its class names and
     * preprocessing, so {@code export} and {@code weights import} are each other's inverse at any width.
     */
    public static Imported importInto(Template template, Map<String, SourceTensor> tensors, int size, List<String> labels,
                                      String fileName, Map<String, String> metadata) {
        FromExport exported = fromExport(metadata, template, fileName);
        NameMapping mapping = NameMappings.forTemplate(template.name());
        SourceTensor classifier = tensors.get(mapping.classifierWeight());
        boolean headImported = classifier != null;
        if (!headImported && mapping.optionalLayers().isEmpty()) {
            throw new WeightsFileException(fileName + " has no classifier '" + mapping.classifierWeight() + "' for "
                    + template.name() + " (" + mapping.description() + ")" + layoutHint(tensors.keySet(), template));
        }
        if (headImported && classifier.shape().length < 2) {
            throw new WeightsFileException(fileName + ": classifier '" + mapping.classifierWeight() + "' has shape "
                    + classifier.shapeText() + ", expected [classes, features]");
        }
        int classes = headImported ? (int) classifier.shape()[0] : (labels != null ? labels.size() : CLASSES_WITHOUT_HEAD);
        if (labels != null && labels.size() != classes) {
            throw new IllegalArgumentException(labels.size() + " labels given, but " + fileName + "'s classifier has "
                    + classes + " classes");
        }
        TemplateSpec spec = TemplateSpec.of(classes, size).withHead(HeadActivation.SOFTMAX);
        SourceTensor embedding = tensors.get("embedding.weight");
        if (!mapping.optionalLayers().isEmpty() && embedding != null && embedding.shape().length == 2) {
            spec = spec.withEmbedding((int) embedding.shape()[0], spec.cosineScale());
        }
        if (exported != null) {
            if (exported.spec().numClasses() != classes) {
                throw new WeightsFileException(fileName + ": its metadata says " + exported.spec().numClasses()
                        + " classes, its classifier has " + classes);
            }
            spec = exported.spec();
        }
        TemplateGraph graph = template.build(spec);
        ComputationGraph net = graph.newNetwork(0);

        List<StateDictLayout.Entry> targets = StateDictLayout.of(graph.configuration(), net, mapping, headImported);
        Set<String> problems = new java.util.LinkedHashSet<>();
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (StateDictLayout.Entry t : targets) {
            expected.putIfAbsent(t.tensor(), t.tensorShape());
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            SourceTensor s = tensors.get(e.getKey());
            if (s == null) {
                problems.add("missing tensor '" + e.getKey() + "' " + Arrays.toString(e.getValue()));
            } else if (!sameShape(s.shape(), e.getValue())) {
                problems.add("tensor '" + e.getKey() + "' has shape " + s.shapeText() + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        List<String> dropped = new ArrayList<>();
        for (SourceTensor s : tensors.values()) {
            String n = s.name();
            if (expected.containsKey(n)) {
                continue;
            }
            if (mapping.dropped().contains(n)) {
                dropped.add(n);
            } else if (!(n.endsWith(".num_batches_tracked")
                    && expected.containsKey(n.substring(0, n.length() - ".num_batches_tracked".length()) + ".running_mean"))) {
                problems.add("unexpected tensor '" + n + "' " + s.shapeText());
            }
        }
        if (!problems.isEmpty()) {
            List<String> listed = problems.stream().limit(MAX_LISTED_PROBLEMS).toList();
            throw new WeightsFileException(fileName + " does not fit " + template.name() + " (" + mapping.description()
                    + "): " + String.join("; ", listed)
                    + (problems.size() > listed.size() ? "; and " + (problems.size() - listed.size()) + " more" : "")
                    + layoutHint(tensors.keySet(), template));
        }

        long values = 0;
        for (StateDictLayout.Entry t : targets) {
            INDArray param = net.getLayer(t.layer()).getParam(t.param());
            param.assign(convert(tensors.get(t.tensor()), t, param.shape()));
            values += param.length();
        }
        List<String> names = labels != null ? List.copyOf(labels)
                : exported != null ? exported.labels()
                : IntStream.range(0, classes).mapToObj(i -> "class_" + i).toList();
        DataConfig d = template.defaults().data();
        DataConfig data = exported != null ? exported.data() : new DataConfig(size, d.channelOrder(), d.mean(), d.std());
        return new Imported(net, spec, names, data, mapping, headImported, values, expected.size(), dropped);
    }

    /** What a TemplateLab export's metadata says about the network it holds. */
    private record FromExport(TemplateSpec spec, List<String> labels, DataConfig data) {
    }

    /** The export's spec, labels and preprocessing; null for a file that is no TemplateLab export. */
    private static FromExport fromExport(Map<String, String> metadata, Template template, String fileName) {
        if (!EXPORT_FORMAT.equals(metadata.get("templatelab.format"))) {
            return null;
        }
        String exportedAs = metadata.get("templatelab.template");
        if (!template.name().equals(exportedAs)) {
            throw new WeightsFileException(fileName + " is TemplateLab's export of a " + exportedAs + " network; "
                    + "import it with --template " + exportedAs);
        }
        try {
            TemplateSpec spec = JSON.readValue(metadata.get("templatelab.spec"), TemplateSpec.class);
            List<String> labels = JSON.readValue(metadata.get("templatelab.labels"), new TypeReference<List<String>>() { });
            DataConfig data = JSON.treeToValue(JSON.readTree(metadata.get("templatelab.checkpoint")).get("data"),
                    DataConfig.class);
            if (labels.size() != spec.numClasses() || data == null) {
                throw new IllegalArgumentException(labels.size() + " labels for " + spec.numClasses() + " classes");
            }
            return new FromExport(spec, List.copyOf(labels), data);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new WeightsFileException(fileName + " says it is a TemplateLab export, but its metadata cannot be "
                    + "read (" + e.getMessage() + "); export the checkpoint again");
        }
    }

    /** Writes an import as a checkpoint with provenance (atomically); returns the checkpoint's SHA-256. */
    public static String writeCheckpoint(Imported imported, Template template, Path source, WeightsFormat format,
                                         Path out) throws IOException {
        return Checkpoints.write(out, imported.network(), metadata(imported, template, source, format));
    }

    /** The checkpoint metadata of an import: the source file, its SHA-256, the format and the mapping used. */
    public static CheckpointMetadata metadata(Imported imported, Template template, Path source, WeightsFormat format)
            throws IOException {
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("file", source.toAbsolutePath().toString());
        provenance.put("sha256", Checkpoints.sha256(source));
        provenance.put("format", format.name().toLowerCase(java.util.Locale.ROOT));
        provenance.put("mapping", imported.mapping().id());
        provenance.put("mappingDescription", imported.mapping().description());
        provenance.put("tensors", imported.tensors());
        provenance.put("values", imported.values());
        provenance.put("headImported", imported.headImported());
        provenance.put("droppedTensors", imported.droppedTensors());
        return new CheckpointMetadata(CheckpointMetadata.FORMAT, template.name(), imported.spec(),
                imported.labels(), imported.data(), Map.of(), Map.of(), "imported", 0, 0, 0, Versions.current(),
                Instant.now().toString(), Map.of("importedFrom", provenance));
    }

    private static INDArray convert(SourceTensor s, StateDictLayout.Entry t, long[] targetShape) {
        INDArray full = Nd4j.create(s.values(), s.shape(), 'c');
        INDArray value = t.transposed() ? full.reshape('c', s.shape()[0], s.shape()[1]).transpose() : full;
        return value.dup('c').reshape('c', targetShape);
    }

    private static boolean sameShape(long[] actual, long[] expected) {
        return Arrays.equals(actual, expected);
    }

    private static String layoutHint(Set<String> names, Template template) {
        String layout = NameMappings.guessLayout(names);
        return layout == null || layout.contains(template.name()) ? "" : " (the file's names look like " + layout + ")";
    }
}
