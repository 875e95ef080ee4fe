package dev.templatelab.training.transfer.imports;

import dev.templatelab.architectures.TemplateGraph;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state-dict names TemplateLab reads for each template.
 *
 * <ul>
 *   <li>ResNet-50 and ResNeXt-50 32x4d: torchvision's (= timm's) {@code resnet50} / {@code resnext50_32x4d}
 *       keys: {@code conv1}, {@code bn1}, {@code layer1.0.conv1}, ..., {@code layer2.0.downsample.0/1}, {@code fc}.
 *       TemplateLab's vertices are these names with '.' written as '_'.</li>
 *   <li>BN-Inception: Cadene's {@code pretrainedmodels} {@code bninception} keys, which are its Caffe layer
 *       names: {@code conv1_7x7_s2}, {@code conv1_7x7_s2_bn}, {@code inception_3a_1x1}, ..., {@code last_linear}.</li>
 *   <li>Inception-v2: no PyTorch port is published, so TemplateLab defines one with TF-slim's scope names
 *       (see {@link #inceptionV2Prefix}): {@code Conv2d_1a_7x7.depthwise/pointwise/bn},
 *       {@code Conv2d_2b_1x1.conv/bn}, {@code Mixed_3b.Branch_1.Conv2d_0b_3x3.conv/bn}, ...,
 *       {@code Logits.Conv2d_1c_1x1} (a 1x1 convolution with bias, as in TF-slim).</li>
 *   <li>EmbedNorm: the BN-Inception backbone; its head ({@code embedding}, {@code cosine_logits}) only when the
 *       file has it. BN-Inception's {@code last_linear} classifier has no place in a cosine head and is dropped.</li>
 * </ul>
 */
public final class NameMappings {

    private static final String V2_SIGNATURE = "Conv2d_1a_7x7.depthwise.weight";
    private static final String BN_INCEPTION_SIGNATURE = "conv1_7x7_s2.weight";
    private static final String RESNET_SIGNATURE = "conv1.weight";

    static final NameMapping TORCHVISION_RESNET = new NameMapping("torchvision-resnet",
            "torchvision/timm ResNet names (conv1, bn1, layer1.0.conv1, ..., layer1.0.downsample.0, fc)",
            layer -> layer.equals(TemplateGraph.OUTPUT) ? "fc" : layer.replace('_', '.'),
            "fc.weight", Set.of(), Set.of(), List.of(RESNET_SIGNATURE, "fc.weight"));

    static final NameMapping CADENE_BN_INCEPTION = new NameMapping("cadene-bninception",
            "Cadene pretrainedmodels bninception names (conv1_7x7_s2, conv1_7x7_s2_bn, inception_3a_1x1, ..., last_linear)",
            layer -> layer.equals(TemplateGraph.OUTPUT) ? "last_linear" : layer,
            "last_linear.weight", Set.of(), Set.of(), List.of(BN_INCEPTION_SIGNATURE, "last_linear.weight"));

    static final NameMapping TF_SLIM_INCEPTION_V2 = new NameMapping("templatelab-inception-v2",
            "TF-slim inception_v2 scope names in PyTorch form (Conv2d_1a_7x7.depthwise, Mixed_3b.Branch_1.Conv2d_0b_3x3.conv, "
                    + "..., Logits.Conv2d_1c_1x1)",
            NameMappings::inceptionV2Prefix, "Logits.Conv2d_1c_1x1.weight", Set.of(), Set.of(),
            List.of(V2_SIGNATURE, "Logits.Conv2d_1c_1x1.weight"));

    static final NameMapping EMBED_NORM = new NameMapping("cadene-bninception+embednorm",
            "Cadene bninception names for the backbone; head embedding/cosine_logits if present; last_linear dropped",
            layer -> layer,
            "cosine_logits.weight", Set.of("embedding", "cosine_logits"), Set.of("last_linear.weight", "last_linear.bias"),
            List.of(BN_INCEPTION_SIGNATURE));

    private static final Map<String, NameMapping> BY_TEMPLATE = Map.of(
            "MMClassification_ResNet_50_RSB_A1", TORCHVISION_RESNET,
            "Clarifai_ResNext", TORCHVISION_RESNET,
            "Clarifai_InceptionBatchNorm", CADENE_BN_INCEPTION,
            "Clarifai_InceptionV2", TF_SLIM_INCEPTION_V2,
            "Clarifai_InceptionTransferEmbedNorm", EMBED_NORM);

    private NameMappings() {
    }

    public static NameMapping forTemplate(String template) {
        NameMapping m = BY_TEMPLATE.get(template);
        if (m == null) {
            throw new IllegalArgumentException("no weights mapping for template '" + template + "'; mappings exist for "
                    + String.join(", ", BY_TEMPLATE.keySet().stream().sorted().toList()));
        }
        return m;
    }

    /** Which source layouts a set of tensor names looks like, for error messages ("this is a ResNet file"). */
    static String guessLayout(Set<String> names) {
        if (names.contains(V2_SIGNATURE)) {
            return "Inception-v2 (Clarifai_InceptionV2)";
        }
        if (names.contains(BN_INCEPTION_SIGNATURE)) {
            return "BN-Inception (Clarifai_InceptionBatchNorm or Clarifai_InceptionTransferEmbedNorm)";
        }
        if (names.contains(RESNET_SIGNATURE) && names.contains("layer1.0.conv2.weight")) {
            return "ResNet-50 or ResNeXt-50 (MMClassification_ResNet_50_RSB_A1 or Clarifai_ResNext)";
        }
        return null;
    }

    /**
     * TemplateLab's Inception-v2 vertices to TF-slim scopes. Stride-1 modules: {@code _1x1} Branch_0/Conv2d_0a_1x1,
     * {@code _3x3_reduce} Branch_1/Conv2d_0a_1x1, {@code _3x3} Branch_1/Conv2d_0b_3x3, {@code _double_3x3_reduce}
     * Branch_2/Conv2d_0a_1x1, {@code _double_3x3_1} Branch_2/Conv2d_0b_3x3, {@code _double_3x3_2} Branch_2/Conv2d_0c_3x3,
     * {@code _pool_proj} Branch_3/Conv2d_0b_1x1. Stride-2 modules (Mixed_4a, Mixed_5a): Branch_0/Conv2d_0a_1x1,
     * Branch_0/Conv2d_1a_3x3, Branch_1/Conv2d_0a_1x1, Branch_1/Conv2d_0b_3x3, Branch_1/Conv2d_1a_3x3.
     * Each unit is {@code <scope>.conv} + {@code <scope>.bn}; the stem's separable convolution is
     * {@code Conv2d_1a_7x7.depthwise} + {@code .pointwise} + {@code .bn}.
     */
    static String inceptionV2Prefix(String layer) {
        if (layer.equals(TemplateGraph.OUTPUT)) {
            return "Logits.Conv2d_1c_1x1";
        }
        if (layer.startsWith("conv2d_1a_7x7_")) {
            return "Conv2d_1a_7x7." + layer.substring("conv2d_1a_7x7_".length());
        }
        boolean bn = layer.endsWith("_bn");
        String unit = bn ? layer.substring(0, layer.length() - 3) : layer;
        return scope(unit) + (bn ? ".bn" : ".conv");
    }

    private static String scope(String unit) {
        if (unit.startsWith("conv2d_")) {
            return "C" + unit.substring(1);
        }
        if (!unit.startsWith("mixed_")) {
            throw new IllegalStateException("no TF-slim scope for Inception-v2 layer " + unit);
        }
        String module = "Mixed_" + unit.substring(6, 8);
        String branch = unit.substring(9);
        boolean reduction = module.equals("Mixed_4a") || module.equals("Mixed_5a");
        String path = reduction ? switch (branch) {
            case "3x3_reduce" -> "Branch_0.Conv2d_0a_1x1";
            case "3x3" -> "Branch_0.Conv2d_1a_3x3";
            case "double_3x3_reduce" -> "Branch_1.Conv2d_0a_1x1";
            case "double_3x3_1" -> "Branch_1.Conv2d_0b_3x3";
            case "double_3x3_2" -> "Branch_1.Conv2d_1a_3x3";
            default -> null;
        } : switch (branch) {
            case "1x1" -> "Branch_0.Conv2d_0a_1x1";
            case "3x3_reduce" -> "Branch_1.Conv2d_0a_1x1";
            case "3x3" -> "Branch_1.Conv2d_0b_3x3";
            case "double_3x3_reduce" -> "Branch_2.Conv2d_0a_1x1";
            case "double_3x3_1" -> "Branch_2.Conv2d_0b_3x3";
            case "double_3x3_2" -> "Branch_2.Conv2d_0c_3x3";
            case "pool_proj" -> "Branch_3.Conv2d_0b_1x1";
            default -> null;
        };
        if (path == null) {
            throw new IllegalStateException("no TF-slim scope for Inception-v2 layer " + unit);
        }
        return module + "." + path;
    }
}
