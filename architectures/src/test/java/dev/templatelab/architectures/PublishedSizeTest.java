package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.stats.ModelStats;
import org.junit.jupiter.api.Test;

/**
 * At width multiplier 1.0 the templates are the published networks: their trainable parameter counts
 * (weights + biases + BN gamma/beta, 1000 classes) equal the numbers the reference implementations give.
 */
class PublishedSizeTest {

    private static final TemplateRegistry REGISTRY = TemplateRegistry.standard();

    private static ModelStats stats(String template) {
        TemplateGraph graph = REGISTRY.get(template).build(TemplateSpec.of(1000, 224));
        return ModelStats.of(graph, graph.newNetwork(0));
    }

    @Test
    void resnet50MatchesTorchvision() {
        ModelStats s = stats("MMClassification_ResNet_50_RSB_A1");
        assertThat(s.trainableParams()).isEqualTo(25_557_032L);
        // torchvision lists 4.09 GFLOPS (multiply-accumulates of convs and fc) for resnet50.
        assertThat(s.macs()).isBetween(4_085_000_000L, 4_095_000_000L);
    }

    @Test
    void resnext50MatchesTorchvision() {
        ModelStats s = stats("Clarifai_ResNext");
        assertThat(s.trainableParams()).isEqualTo(25_028_904L);
        // torchvision: 4.23 GFLOPS for resnext50_32x4d.
        assertThat(s.macs()).isBetween(4_225_000_000L, 4_235_000_000L);
    }

    @Test
    void bnInceptionMatchesCadenesPort() {
        assertThat(stats("Clarifai_InceptionBatchNorm").trainableParams()).isEqualTo(11_295_240L);
    }

    /**
     * TF-slim publishes no count for inception_v2; this derives it from nets/inception_v2.py by hand, layer
     * by layer, independently of {@code InceptionLayouts}: convs have no bias, each conv's batch norm
     * learns beta only (scale=False), the logits conv has a bias.
     */
    @Test
    void inceptionV2MatchesItsDerivationFromTfSlim() {
        long p = 0;
        // Conv2d_1a_7x7: separable, depthwise 7x7x3x8, pointwise 1x1x24x64, BN beta 64
        p += 7 * 7 * 3 * 8 + 24 * 64 + 64;
        p += conv(64, 64, 1);           // Conv2d_2b_1x1
        p += conv(64, 192, 3);          // Conv2d_2c_3x3
        p += mixed(192, 64, 64, 64, 64, 96, 32);     // Mixed_3b -> 256
        p += mixed(256, 64, 64, 96, 64, 96, 64);     // Mixed_3c -> 320
        p += conv(320, 128, 1) + conv(128, 160, 3) + conv(320, 64, 1) + conv(64, 96, 3) + conv(96, 96, 3); // Mixed_4a -> 576
        p += mixed(576, 224, 64, 96, 96, 128, 128);  // Mixed_4b
        p += mixed(576, 192, 96, 128, 96, 128, 128); // Mixed_4c
        p += mixed(576, 160, 128, 160, 128, 160, 96); // Mixed_4d
        p += mixed(576, 96, 128, 192, 160, 192, 96);  // Mixed_4e
        p += conv(576, 128, 1) + conv(128, 192, 3) + conv(576, 192, 1) + conv(192, 256, 3) + conv(256, 256, 3); // Mixed_5a -> 1024
        p += mixed(1024, 352, 192, 320, 160, 224, 128); // Mixed_5b
        p += mixed(1024, 352, 192, 320, 192, 224, 128); // Mixed_5c
        p += 1024 * 1000 + 1000;        // Logits/Conv2d_1c_1x1 with bias
        assertThat(p).isEqualTo(11_178_336L);
        assertThat(stats("Clarifai_InceptionV2").trainableParams()).isEqualTo(p);
    }

    /** A conv without bias followed by a batch norm that learns beta only. */
    private static long conv(int in, int out, int k) {
        return (long) in * out * k * k + out;
    }

    private static long mixed(int in, int b0, int b1a, int b1b, int b2a, int b2b, int b3) {
        return conv(in, b0, 1)
                + conv(in, b1a, 1) + conv(b1a, b1b, 3)
                + conv(in, b2a, 1) + conv(b2a, b2b, 3) + conv(b2b, b2b, 3)
                + conv(in, b3, 1);
    }
}
