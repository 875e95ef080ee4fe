package dev.templatelab.architectures.resnet;

import dev.templatelab.architectures.ClarifaiDefaults;
import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateDefaults;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ResNet-family templates in the torchvision/mmcls layout: 7x7/2 stem + BN + ReLU + 3x3/2 max pool,
 * four bottleneck stages (stride on the 3x3), global average pool, linear classifier.
 *
 * @param zeroInitResidual start the last batch norm of every residual branch at gamma 0, so each block begins
 *                         as the identity: mmcls's {@code ResNet(zero_init_residual=True)} default, which the RSB
 *                         recipe trains with (timm's {@code zero_init_last} likewise); torchvision's default is off
 */
public record ResNetTemplate(String name, String description, ResNetVariant variant, TemplateDefaults defaults,
                             boolean zeroInitResidual) implements Template {

    private static final int MIN_CHANNELS = 8;
    private static final String STEM = "stem";

    /** ResNet-50 with the "ResNet strikes back" A1 recipe's Clarifai defaults. */
    public static ResNetTemplate rsbA1() {
        return new ResNetTemplate("MMClassification_ResNet_50_RSB_A1",
                "ResNet-50 (torchvision/mmcls layout) with the ResNet-strikes-back A1 recipe: cosine schedule, BCE, mixup/cutmix.",
                ResNetVariant.RESNET_50, new TemplateDefaults(DataConfig.imagenet(224), true, ClarifaiDefaults.rsbA1()),
                true);
    }

    /** ResNeXt-50 32x4d with Clarifai's Inception-family hyperparameter defaults. */
    public static ResNetTemplate resNext() {
        return new ResNetTemplate("Clarifai_ResNext",
                "ResNeXt-50 32x4d (grouped 3x3 convolutions, 32 groups) for fine-tuning from pretrained weights.",
                ResNetVariant.RESNEXT_50_32X4D,
                new TemplateDefaults(DataConfig.imagenet(256), true, ClarifaiDefaults.inceptionFamily()), false);
    }

    @Override
    public TemplateGraph build(TemplateSpec spec) {
        Map<String, String> blocks = new LinkedHashMap<>();
        GraphCursor x = GraphCursor.start(spec, Padding.EXPLICIT, BatchNormStyle.PYTORCH)
                .conv("conv1", spec.scaled(64, MIN_CHANNELS), 7, 2, 3, false).batchNormRelu("bn1")
                .maxPool("maxpool", 3, 2, 1);
        blocks.put(STEM, x.vertex());
        List<Integer> depths = variant.stageDepths();
        for (int stage = 0; stage < depths.size(); stage++) {
            int planes = spec.scaled(ResNetVariant.STAGE_PLANES.get(stage), MIN_CHANNELS);
            int width = Math.max(1, planes * variant.baseWidth() / 64) * variant.cardinality();
            int out = planes * ResNetVariant.EXPANSION;
            for (int block = 0; block < depths.get(stage); block++) {
                int stride = (stage > 0 && block == 0) ? 2 : 1;
                x = Bottleneck.add(x, "layer" + (stage + 1) + "_" + block, width, out, variant.cardinality(), stride,
                        zeroInitResidual);
            }
            blocks.put(stageName(stage), x.vertex());
        }
        x.globalAvgPool("avgpool").denseClassifier(spec.numClasses(), spec.head(), 1.0);
        return x.build("avgpool", List.of(TemplateGraph.OUTPUT), blocks);
    }

    /** The stem, then torchvision's stages {@code layer1..layer4}. */
    @Override
    public List<String> backboneBlocks() {
        List<String> blocks = new ArrayList<>(List.of(STEM));
        for (int stage = 0; stage < variant.stageDepths().size(); stage++) {
            blocks.add(stageName(stage));
        }
        return blocks;
    }

    private static String stageName(int stage) {
        return "layer" + (stage + 1);
    }
}
