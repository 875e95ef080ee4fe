package dev.templatelab.training.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.checkpoint.Versions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferTest {

    private static final Template EMBED_NORM = TemplateRegistry.standard().get("Clarifai_InceptionTransferEmbedNorm");
    private static final TemplateSpec SOURCE = new TemplateSpec(5, 64, 64, 3, 0.25, 16, 16.0, HeadActivation.SOFTMAX);

    @Test
    void backboneIsCopiedAndTheNewHeadKeepsItsOwnShape() {
        ComputationGraph source = EMBED_NORM.build(SOURCE).newNetwork(1);
        TemplateGraph targetGraph = EMBED_NORM.build(SOURCE.withClasses(3));
        ComputationGraph target = targetGraph.newNetwork(2);

        long copied = BackboneTransfer.copyBackbone(source, "the pretrained weights", target, targetGraph);

        assertThat(copied).isPositive();
        for (String layer : targetGraph.backboneLayers()) {
            assertThat(target.getLayer(layer).params()).as(layer).isEqualTo(source.getLayer(layer).params());
        }
        assertThat(target.getLayer("cosine_logits").getParam("W").shape()).containsExactly(16, 3);
        assertThat(target.getLayer("embedding").params()).isNotEqualTo(source.getLayer("embedding").params());
    }

    @Test
    void aDifferentWidthIsAnErrorNamingTheTensor() {
        ComputationGraph source = EMBED_NORM.build(SOURCE).newNetwork(1);
        TemplateGraph wider = EMBED_NORM.build(SOURCE.withWidthMultiplier(0.5));
        assertThatThrownBy(() -> BackboneTransfer.copyBackbone(source, "the pretrained weights", wider.newNetwork(2), wider))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("of layer 'conv1_7x7_s2' has shape [16] in the pretrained weights but the template needs [32]")
                .hasMessageContaining("more mismatches");
    }

    @Test
    void oneMismatchedTensorLeavesTheWholeTargetUnchanged() {
        // only the stem differs (one input channel instead of three): every later layer would fit
        ComputationGraph source = EMBED_NORM.build(new TemplateSpec(5, 64, 64, 1, 0.25, 16, 16.0,
                HeadActivation.SOFTMAX)).newNetwork(1);
        TemplateGraph targetGraph = EMBED_NORM.build(SOURCE);
        ComputationGraph target = targetGraph.newNetwork(2);
        org.nd4j.linalg.api.ndarray.INDArray before = target.params().dup();
        assertThatThrownBy(() -> BackboneTransfer.copyBackbone(source, "the pretrained weights", target, targetGraph))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 'conv1_7x7_s2' has shape [16, 1, 7, 7] in the pretrained weights")
                .hasMessageNotContaining("more mismatches");
        assertThat(target.params()).isEqualTo(before);
    }

    @Test
    void registryStoresListsAndResolvesWeights(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("pretrained.tlckpt");
        Checkpoints.write(ckpt, EMBED_NORM.build(SOURCE).newNetwork(1), new CheckpointMetadata(CheckpointMetadata.FORMAT,
                EMBED_NORM.name(), SOURCE, List.of("0", "1", "2", "3", "4"), DataConfig.imagenet(64), Map.of(), Map.of(),
                "h", 0, 0, 1, Versions.current(), Instant.now().toString(), Map.of()));
        WeightsRegistry registry = new WeightsRegistry(dir.resolve("weights"));

        WeightsRegistry.Entry entry = registry.register(EMBED_NORM.name(), "digits-0-4", ckpt);

        assertThat(entry.sha256()).isEqualTo(Checkpoints.sha256(ckpt));
        assertThat(registry.list(EMBED_NORM.name())).extracting(WeightsRegistry.Entry::name).containsExactly("digits-0-4");
        assertThat(registry.resolve(EMBED_NORM.name(), "digits-0-4").sourceLabels()).containsExactly("0", "1", "2", "3", "4");
        assertThatThrownBy(() -> registry.resolve(EMBED_NORM.name(), "imagenet"))
                .hasMessageContaining("no pretrained weights 'imagenet'").hasMessageContaining("registered: digits-0-4");
        assertThatThrownBy(() -> registry.register("Clarifai_ResNext", "x", ckpt))
                .hasMessageContaining("holds template Clarifai_InceptionTransferEmbedNorm, not Clarifai_ResNext");
        assertThatThrownBy(() -> registry.register(EMBED_NORM.name(), "../escape", ckpt))
                .hasMessageContaining("must be 1-64 letters");
        // pretrained_weights=None (any case) means no weights: a set registered under it could never be used.
        for (String none : List.of("None", "none", "NONE")) {
            assertThatThrownBy(() -> registry.register(EMBED_NORM.name(), none, ckpt))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("weights name '" + none + "' is reserved: pretrained_weights=None means no pretrained "
                            + "weights; choose another name");
        }
        assertThat(registry.list(EMBED_NORM.name())).extracting(WeightsRegistry.Entry::name).containsExactly("digits-0-4");
    }
}
