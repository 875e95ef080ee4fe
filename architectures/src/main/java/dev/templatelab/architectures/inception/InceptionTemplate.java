package dev.templatelab.architectures.inception;

import dev.templatelab.architectures.ClarifaiDefaults;
import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateDefaults;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.graph.GraphCursor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/** An Inception network from an {@link InceptionLayout}: stem, modules, global average pool, classifier. */
public record InceptionTemplate(String name, String description, InceptionLayout layout, TemplateDefaults defaults)
        implements Template {

    /** The pooled 1024-d feature vector (Clarifai's embedding layer is this 5b concat). */
    public static final String FEATURES = "global_pool";
    private static final String STEM = "stem";

    /** Clarifai's Inception-family defaults; preprocessing follows the layout's published weights. */
    public static TemplateDefaults clarifaiInceptionDefaults(InceptionLayout layout, boolean pretrained) {
        return new TemplateDefaults(preprocessing(layout, 256), pretrained, ClarifaiDefaults.inceptionFamily());
    }

    /** Cadene's BN-Inception: BGR, 0-255, mean (104, 117, 128), std 1. TF-slim: RGB scaled to [-1, 1]. */
    public static DataConfig preprocessing(InceptionLayout layout, int imageSize) {
        if (layout == InceptionLayouts.BN_INCEPTION) {
            return new DataConfig(imageSize, DataConfig.ChannelOrder.BGR, new double[] {104, 117, 128}, new double[] {1, 1, 1});
        }
        return new DataConfig(imageSize, DataConfig.ChannelOrder.RGB,
                new double[] {127.5, 127.5, 127.5}, new double[] {127.5, 127.5, 127.5});
    }

    @Override
    public TemplateGraph build(TemplateSpec spec) {
        Map<String, String> blocks = new LinkedHashMap<>();
        GraphCursor features = backbone(spec, layout, blocks);
        features.denseClassifier(spec.numClasses(), spec.head(), layout.dropoutRetain());
        return features.build(FEATURES, List.of(TemplateGraph.OUTPUT), blocks);
    }

    @Override
    public List<String> backboneBlocks() {
        return backboneBlocks(layout);
    }

    /** The stem, then each Inception module by its name. */
    public static List<String> backboneBlocks(InceptionLayout layout) {
        List<String> blocks = new ArrayList<>(List.of(STEM));
        layout.modules().forEach(m -> blocks.add(m.name()));
        return blocks;
    }

    /**
     * Stem and modules up to the pooled features; the cursor stands on {@link #FEATURES}. Each block's last vertex
     * goes into {@code blocks} under its {@link #backboneBlocks} name.
     */
    public static GraphCursor backbone(TemplateSpec spec, InceptionLayout layout, Map<String, String> blocks) {
        IntUnaryOperator depth = layout.depth(spec);
        GraphCursor x = GraphCursor.start(spec, layout.padding(), layout.batchNorm());
        x = layout.stem().build(x, depth, layout);
        blocks.put(STEM, x.vertex());
        for (InceptionModule m : layout.modules()) {
            x = module(x, m, depth, layout);
            blocks.put(m.name(), x.vertex());
        }
        return x.globalAvgPool(FEATURES);
    }

    private static GraphCursor module(GraphCursor in, InceptionModule m, IntUnaryOperator depth, InceptionLayout layout) {
        String n = m.name();
        int s = m.stride();
        GraphCursor single = layout.unit(in.branch(), n + "_3x3_reduce", depth.applyAsInt(m.reduce3x3()), 1, 1);
        single = layout.unit(single, n + "_3x3", depth.applyAsInt(m.conv3x3()), 3, s);
        GraphCursor dbl = layout.unit(in.branch(), n + "_double_3x3_reduce", depth.applyAsInt(m.reduceDbl()), 1, 1);
        dbl = layout.unit(dbl, n + "_double_3x3_1", depth.applyAsInt(m.convDbl()), 3, 1);
        dbl = layout.unit(dbl, n + "_double_3x3_2", depth.applyAsInt(m.convDbl()), 3, s);
        if (s == 2) {
            GraphCursor pool = layout.downsamplingMaxPool(in.branch(), n + "_pool");
            return GraphCursor.concat(n + "_output", single, dbl, pool);
        }
        GraphCursor conv1x1 = layout.unit(in.branch(), n + "_1x1", depth.applyAsInt(m.conv1x1()), 1, 1);
        GraphCursor pool = m.pool() == InceptionModule.Pool.AVG
                ? in.branch().avgPool(n + "_pool", 3, 1, 1, layout.avgPoolCountsPadding())
                : in.branch().maxPool(n + "_pool", 3, 1, 1);
        pool = layout.unit(pool, n + "_pool_proj", depth.applyAsInt(m.poolProj()), 1, 1);
        return GraphCursor.concat(n + "_output", conv1x1, single, dbl, pool);
    }
}
