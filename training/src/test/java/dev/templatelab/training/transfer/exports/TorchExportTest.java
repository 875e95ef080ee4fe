package dev.templatelab.training.transfer.exports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.checkpoint.Versions;
import dev.templatelab.training.transfer.imports.NameMappings;
import dev.templatelab.training.transfer.imports.SafetensorsReader;
import dev.templatelab.training.transfer.imports.SourceTensor;
import dev.templatelab.training.transfer.imports.WeightsImporter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The export is the importer's exact inverse: every template's parameters, written as PyTorch tensors and imported
 * back, are the same numbers in the same places; and an exported file carries what the PyTorch module needs.
 * (That the module computes what TemplateLab computes is {@code TorchExportCliTest}'s job, with PyTorch.)
 */
class TorchExportTest {

    private static final TemplateRegistry TEMPLATES = TemplateRegistry.standard();

    @TempDir
    Path dir;

    @Test
    void everyTemplateRoundTripsThroughThePyTorchNamesUnchanged() {
        for (Template template : TEMPLATES.list()) {
            int size = template.name().contains("Inception") ? 96 : 64;
            ComputationGraph net = template.build(TemplateSpec.of(7, size)).newNetwork(3);
            // Distinct values everywhere, so a tensor written under another's name or transposed wrongly shows.
            INDArray params = net.params();
            params.assign(Nd4j.linspace(DataType.FLOAT, 0.001, 0.001, params.length()).reshape(params.shape()));

            Map<String, SourceTensor> tensors = TorchExport.tensors(net, NameMappings.forTemplate(template.name()));
            WeightsImporter.Imported back = WeightsImporter.importInto(template, tensors, size, null, "export");

            assertThat(back.headImported()).as(template.name()).isTrue();
            assertThat(back.network().params()).as(template.name()).isEqualTo(params);
            assertThat(back.tensors()).as(template.name()).isEqualTo(tensors.size());
        }
    }

    @Test
    void dense1x1AndGroupedWeightsHaveTheirPyTorchShapes() {
        ComputationGraph v2 = TEMPLATES.get("Clarifai_InceptionV2").build(TemplateSpec.of(5, 75)).newNetwork(1);
        Map<String, SourceTensor> slim = TorchExport.tensors(v2, NameMappings.forTemplate("Clarifai_InceptionV2"));
        assertThat(slim.get("Logits.Conv2d_1c_1x1.weight").shape()).containsExactly(5, 1024, 1, 1);

        ComputationGraph resnext = TEMPLATES.get("Clarifai_ResNext").build(TemplateSpec.of(5, 64)).newNetwork(1);
        Map<String, SourceTensor> tv = TorchExport.tensors(resnext, NameMappings.forTemplate("Clarifai_ResNext"));
        assertThat(tv.get("layer1.0.conv2.weight").shape()).containsExactly(128, 4, 3, 3);
        assertThat(tv.get("fc.weight").shape()).containsExactly(5, 2048);
        // [out, in]: fc.weight[c][f] is DL4J's W[f][c]
        INDArray w = resnext.getLayer("classifier").getParam("W");
        assertThat(tv.get("fc.weight").values()[3 * 2048 + 17]).isEqualTo(w.getFloat(17, 3));
    }

    @Test
    void theFileCarriesTemplateSpecLabelsPreprocessingAndProvenance() throws Exception {
        Template template = TEMPLATES.get("Clarifai_InceptionTransferEmbedNorm");
        TemplateSpec spec = TemplateSpec.of(3, 96).withWidthMultiplier(0.25).withEmbedding(32, 12.0)
                .withHead(HeadActivation.SIGMOID);
        ComputationGraph net = template.build(spec).newNetwork(5);
        DataConfig data = template.defaults().data();
        Path checkpoint = dir.resolve("embed.tlckpt");
        String checkpointSha = Checkpoints.write(checkpoint, net, new CheckpointMetadata(CheckpointMetadata.FORMAT,
                template.name(), spec, List.of("cat", "dog", "ünïcode"), data, Map.of("lrate", 0.01), Map.of("accuracy", 0.5),
                "abc123", 1, 2, 3, Versions.current(), "2026-12-03T00:00:00Z", Map.of()));

        TorchExport.Exported out = TorchExport.export(checkpoint, dir.resolve("out/embed.safetensors"));

        assertThat(out.weights()).exists();
        assertThat(out.module()).isEqualTo(dir.resolve("out/templatelab_torch.py"));
        assertThat(Files.readString(out.module())).isEqualTo(TorchExport.moduleSource());
        assertThat(out.moduleWritten()).isTrue();
        assertThat(out.sha256()).isEqualTo(Checkpoints.sha256(out.weights()));
        assertThat(out.values()).isEqualTo(net.numParams());

        Map<String, SourceTensor> tensors = SafetensorsReader.read(out.weights());
        assertThat(tensors).hasSize(out.tensors()).containsKeys("conv1_7x7_s2.weight", "embedding.weight",
                "cosine_logits.weight");
        assertThat(tensors.get("embedding.weight").shape()).containsExactly(32, 256);   // width 0.25 of 1024

        Map<String, String> header = SafetensorsReader.readMetadata(out.weights());
        ObjectMapper json = new ObjectMapper();
        assertThat(header).containsEntry("templatelab.format", "export-1")
                .containsEntry("templatelab.template", template.name())
                .containsEntry("templatelab.mapping", "cadene-bninception+embednorm")
                .containsEntry("templatelab.checkpointSha256", checkpointSha);
        assertThat(json.readValue(header.get("templatelab.spec"), TemplateSpec.class)).isEqualTo(spec);
        assertThat(json.readValue(header.get("templatelab.labels"), List.class)).containsExactly("cat", "dog", "ünïcode");
        JsonNode pre = json.readTree(header.get("templatelab.preprocessing"));
        assertThat(pre.get("channelOrder").asText()).isEqualTo("BGR");
        assertThat(pre.get("width").asInt()).isEqualTo(96);
        assertThat(pre.get("mean").get(0).asDouble()).isEqualTo(data.mean()[0]);
        assertThat(json.readTree(header.get("templatelab.checkpoint")).get("datasetHash").asText()).isEqualTo("abc123");

        // Keys in a fixed order (not Map.of's, which changes from JVM to JVM): one checkpoint, one file, byte for byte.
        String headerText = new String(Files.readAllBytes(out.weights()), 8, 4096, StandardCharsets.UTF_8);
        assertThat(headerText).contains("\"conv1_7x7_s2.weight\":{\"dtype\":\"F32\",\"shape\":[16,3,7,7],\"data_offsets\":[");
        TorchExport.Exported again = TorchExport.export(checkpoint, dir.resolve("out/embed2.safetensors"));
        assertThat(again.moduleWritten()).as("an identical module is left alone").isFalse();
        assertThat(again.sha256()).isEqualTo(out.sha256());
    }

    @Test
    void anExportImportsBackAtItsOwnWidthHeadLabelsAndPreprocessing() throws Exception {
        Template template = TEMPLATES.get("Clarifai_InceptionTransferEmbedNorm");
        TemplateSpec spec = new TemplateSpec(3, 96, 128, 1, 0.25, 32, 12.0, HeadActivation.SIGMOID);
        ComputationGraph net = template.build(spec).newNetwork(9);
        INDArray params = net.params();
        params.assign(Nd4j.rand(DataType.FLOAT, params.shape()));
        DataConfig data = new DataConfig(112, DataConfig.ChannelOrder.RGB, new double[] {1, 2, 3}, new double[] {4, 5, 6});
        Path checkpoint = dir.resolve("grey.tlckpt");
        Checkpoints.write(checkpoint, net, new CheckpointMetadata(CheckpointMetadata.FORMAT, template.name(), spec,
                List.of("x", "y", "z"), data, Map.of(), Map.of(), "h", 1, 2, 3, Versions.current(), "2026-12-03T00:00:00Z",
                Map.of()));
        Path weights = TorchExport.export(checkpoint, dir.resolve("grey.safetensors")).weights();

        WeightsImporter.Imported back = WeightsImporter.importInto(template, SafetensorsReader.read(weights), 224, null,
                "grey.safetensors", SafetensorsReader.readMetadata(weights));

        assertThat(back.spec()).isEqualTo(spec);
        assertThat(back.labels()).containsExactly("x", "y", "z");
        assertThat(back.data()).isEqualTo(data);
        assertThat(back.network().params()).isEqualTo(params);

        assertThatThrownBy(() -> WeightsImporter.importInto(TEMPLATES.get("Clarifai_InceptionBatchNorm"),
                SafetensorsReader.read(weights), 224, null, "grey.safetensors", SafetensorsReader.readMetadata(weights)))
                .hasMessageContaining("export of a Clarifai_InceptionTransferEmbedNorm network; import it with "
                        + "--template Clarifai_InceptionTransferEmbedNorm");
    }

    @Test
    void aForeignModuleBesideTheWeightsAndAWrongExtensionAreRefusedBeforeAnyWork() throws Exception {
        Path foreign = dir.resolve("templatelab_torch.py");
        Files.writeString(foreign, "print('mine')\n");
        assertThatThrownBy(() -> TorchExport.export(dir.resolve("missing.tlckpt"), dir.resolve("m.safetensors")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exists and is not TemplateLab's module");
        assertThat(Files.readString(foreign)).isEqualTo("print('mine')\n");
        assertThat(dir.resolve("m.safetensors")).doesNotExist();

        assertThatThrownBy(() -> TorchExport.checkTarget(dir.resolve("model.pt")))
                .hasMessageContaining("does not end in .safetensors");

        // An older module of TemplateLab's own is replaced.
        Files.writeString(foreign, TorchExport.MODULE_MARK + " - an older version\n", StandardCharsets.UTF_8);
        TorchExport.checkTarget(dir.resolve("m.safetensors"));
    }

    @Test
    void theShippedModuleIsMarkedAsOurs() {
        assertThat(TorchExport.moduleSource()).startsWith(TorchExport.MODULE_MARK);
    }
}
