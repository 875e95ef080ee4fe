package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TemplateRegistryTest {

    @Test
    void theFiveTemplatesInOrder() {
        assertThat(TemplateRegistry.standard().names()).containsExactly(
                "MMClassification_ResNet_50_RSB_A1", "Clarifai_InceptionBatchNorm", "Clarifai_InceptionV2",
                "Clarifai_ResNext", "Clarifai_InceptionTransferEmbedNorm");
    }

    /** What frozen_blocks counts: the stem, then torchvision's stages or the Inception modules. */
    @Test
    void backboneBlocksAreTheStemThenStagesOrModules() {
        TemplateRegistry registry = TemplateRegistry.standard();
        assertThat(registry.get("MMClassification_ResNet_50_RSB_A1").backboneBlocks())
                .containsExactly("stem", "layer1", "layer2", "layer3", "layer4");
        assertThat(registry.get("Clarifai_ResNext").backboneBlocks()).hasSize(5);
        assertThat(registry.get("Clarifai_InceptionBatchNorm").backboneBlocks()).containsExactly("stem",
                "inception_3a", "inception_3b", "inception_3c", "inception_4a", "inception_4b", "inception_4c",
                "inception_4d", "inception_4e", "inception_5a", "inception_5b");
        assertThat(registry.get("Clarifai_InceptionTransferEmbedNorm").backboneBlocks())
                .isEqualTo(registry.get("Clarifai_InceptionBatchNorm").backboneBlocks());
    }

    @Test
    void duplicateNamesAreRejected() {
        TemplateRegistry registry = TemplateRegistry.standard();
        Template again = registry.get("Clarifai_ResNext");
        assertThatThrownBy(() -> registry.register(again))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Clarifai_ResNext' is already registered");
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> TemplateRegistry.standard().get("resnet18"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown template 'resnet18'")
                .hasMessageContaining("Clarifai_InceptionV2");
        assertThat(TemplateRegistry.standard().find("resnet18")).isEmpty();
    }

    @Test
    void clarifaiDefaultsAreKeptPerTemplate() {
        TemplateRegistry r = TemplateRegistry.standard();
        assertThat(r.get("MMClassification_ResNet_50_RSB_A1").defaults().hyperparameters())
                .containsEntry("per_item_lrate", 1.953125e-05).containsEntry("warmup_iters", 100);
        assertThat(r.get("Clarifai_InceptionV2").defaults().hyperparameters())
                .containsEntry("step_epochs", 7).containsEntry("logreg", 1);
        assertThat(r.get("Clarifai_InceptionV2").defaults().pretrained()).isFalse();
        assertThat(r.get("Clarifai_InceptionTransferEmbedNorm").defaults().hyperparameters())
                .containsEntry("base_gradient_multiplier", 0.001).containsEntry("average_horizontal_flips", true);
        assertThat(r.get("Clarifai_InceptionBatchNorm").defaults().data().channelOrder()).isEqualTo(DataConfig.ChannelOrder.BGR);
    }

    @Test
    void specRejectsNonsenseWithTheAllowedRange() {
        assertThatThrownBy(() -> TemplateSpec.of(0, 224)).hasMessageContaining("numClasses must be at least 1");
        assertThatThrownBy(() -> TemplateSpec.of(10, 16)).hasMessageContaining("at least 32x32");
        assertThatThrownBy(() -> TemplateSpec.of(10, 224).withWidthMultiplier(0)).hasMessageContaining("(0, 4]");
        assertThatThrownBy(() -> HeadActivation.fromLogreg(2)).hasMessageContaining("logreg must be 0 (softmax) or 1 (sigmoid)");
        assertThat(HeadActivation.fromLogreg(1)).isEqualTo(HeadActivation.SIGMOID);
    }
}
