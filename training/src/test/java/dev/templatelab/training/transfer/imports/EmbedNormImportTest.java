package dev.templatelab.training.transfer.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The EmbedNorm mapping: a state dict with the Cadene backbone names plus {@code embedding} and
 * {@code cosine_logits} (PyTorch's [out, in] layout) imports with its head; the same file without the head
 * imports as a backbone. The state dict is written by hand from a DL4J network, so no Python is needed.
 */
class EmbedNormImportTest {

    private static final Template EMBED_NORM = TemplateRegistry.standard().get("Clarifai_InceptionTransferEmbedNorm");

    /** A PyTorch-style state dict of {@code net}: Cadene names, dense/cosine weights as [out, in]. */
    private static Map<String, SourceTensor> stateDict(ComputationGraph net) {
        Map<String, SourceTensor> sd = new LinkedHashMap<>();
        for (Layer layer : net.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            boolean bn = layer.conf().getLayer() instanceof BatchNormalization;
            for (var p : layer.paramTable().entrySet()) {
                INDArray v = p.getValue();
                String key = switch (p.getKey()) {
                    case "gamma" -> "weight";
                    case "beta" -> "bias";
                    case "mean" -> "running_mean";
                    case "var" -> "running_var";
                    case "b" -> "bias";
                    default -> "weight";
                };
                if (!bn && p.getKey().equals("W") && v.rank() == 2) {
                    v = v.transpose();                                   // DL4J [in, out] -> PyTorch [out, in]
                } else if (!bn && p.getKey().equals("b") || bn) {
                    v = v.reshape(v.length());
                }
                INDArray c = v.dup('c');
                sd.put(name + "." + key, new SourceTensor(name + "." + key, "F32", c.shape(), c.data().asFloat()));
            }
        }
        return sd;
    }

    @Test
    void headAndBackboneImportExactly() {
        TemplateSpec spec = TemplateSpec.of(7, 96).withEmbedding(64, 16.0);
        ComputationGraph source = EMBED_NORM.build(spec).newNetwork(3);
        // Non-trivial running statistics, so a mean/var mix-up would show.
        source.getLayer("conv1_7x7_s2_bn").getParam("mean").assign(0.3);
        source.getLayer("conv1_7x7_s2_bn").getParam("var").assign(2.0);
        Map<String, SourceTensor> sd = stateDict(source);
        assertThat(sd.get("cosine_logits.weight").shape()).containsExactly(7, 64);

        WeightsImporter.Imported imported = WeightsImporter.importInto(EMBED_NORM, sd, 96, null, "sd");

        assertThat(imported.headImported()).isTrue();
        assertThat(imported.spec().numClasses()).isEqualTo(7);
        assertThat(imported.spec().embeddingSize()).isEqualTo(64);
        for (Layer layer : source.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            for (var p : layer.paramTable().entrySet()) {
                assertThat(imported.network().getLayer(name).getParam(p.getKey())).as(name + "_" + p.getKey())
                        .isEqualTo(p.getValue());
            }
        }
    }

    @Test
    void withoutTheHeadItIsABackboneAndTheLinearClassifierIsDropped() {
        ComputationGraph source = EMBED_NORM.build(TemplateSpec.of(5, 96).withEmbedding(64, 16.0)).newNetwork(4);
        Map<String, SourceTensor> sd = stateDict(source);
        sd.keySet().removeIf(k -> k.startsWith("embedding.") || k.startsWith("cosine_logits."));
        sd.put("last_linear.weight", new SourceTensor("last_linear.weight", "F32", new long[] {3, 1024}, new float[3 * 1024]));
        sd.put("last_linear.bias", new SourceTensor("last_linear.bias", "F32", new long[] {3}, new float[3]));

        WeightsImporter.Imported imported = WeightsImporter.importInto(EMBED_NORM, sd, 96, null, "sd");

        assertThat(imported.headImported()).isFalse();
        assertThat(imported.droppedTensors()).containsExactlyInAnyOrder("last_linear.weight", "last_linear.bias");
        assertThat(imported.network().getLayer("inception_5b_pool_proj").getParam("W"))
                .isEqualTo(source.getLayer("inception_5b_pool_proj").getParam("W"));

        sd.put("embedding.weight", new SourceTensor("embedding.weight", "F32", new long[] {64, 1024}, new float[64 * 1024]));
        assertThatThrownBy(() -> WeightsImporter.importInto(EMBED_NORM, sd, 96, null, "sd"))
                .isInstanceOf(WeightsFileException.class).hasMessageContaining("unexpected tensor 'embedding.weight'");
    }
}
