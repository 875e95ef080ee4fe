package dev.templatelab.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.graph.BatchNormStyle;
import dev.templatelab.architectures.graph.GraphCursor;
import dev.templatelab.architectures.graph.Padding;
import dev.templatelab.architectures.runtime.BatchNormReluLayer;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.architectures.runtime.OneDnnAddReluVertex;
import dev.templatelab.architectures.runtime.OneDnnBatchNormHelper;
import dev.templatelab.architectures.runtime.OneDnnReluLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every ReLU of every template runs on oneDNN when the helpers are on: in its batch norm ({@link BatchNormReluLayer},
 * one fused pass) or, after a residual sum, in the sum ({@link OneDnnAddReluVertex}); DL4J's own code when they are
 * off, and still so after a restore from the saved configuration. A ReLU layer ({@link OneDnnReluLayer}, in graphs
 * saved before either) does the same. That both paths compute the
 * same values and gradients is {@code HelperParityTest}'s "relu" kinds and every whole template there;
 * {@code GradientCheckTest} checks the oneDNN path against finite differences.
 */
@Tag("channel-blocks")
@ExtendWith(RestoresHelperSwitch.class)
class OneDnnReluLayerTest {

    private static final TemplateSpec SMALL = new TemplateSpec(5, 64, 64, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);

    @Test
    void everyTemplateRunsItsRelusOnOneDnnOnTheFastPath() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        for (Template template : TemplateRegistry.standard().list()) {
            ComputationGraph net = template.build(SMALL).newNetwork(1);
            assertThat(relusInBatchNorms(net, true)).as("%s ReLUs in batch norms", template.name()).isPositive();
            assertThat(relus(net, true)).as("%s ReLU layers", template.name()).isZero();
            sumsWithRelu(net, true);
        }
        // ResNet-50's residual sum with its ReLU, one per bottleneck
        assertThat(sumsWithRelu(TemplateRegistry.standard().get("MMClassification_ResNet_50_RSB_A1").build(SMALL)
                .newNetwork(1), true)).isEqualTo(16);
    }

    @Test
    void withHelpersOffReluRunsDl4jsOwnCode() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "true");
        ComputationGraph net = TemplateRegistry.standard().get("Clarifai_ResNext").build(SMALL).newNetwork(1);
        assertThat(sumsWithRelu(net, false)).isPositive();
        assertThat(relusInBatchNorms(net, false)).isPositive();
        assertThat(relus(networkWithReluLayer(), false)).isEqualTo(1);
    }

    @Test
    void aNetworkRestoredFromItsSavedConfigurationKeepsTheOneDnnRelu() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = TemplateRegistry.standard().get("Clarifai_ResNext").build(SMALL).newNetwork(1);
        ComputationGraph restored = Networks.restoredFromJson(net);
        assertThat(sumsWithRelu(restored, true)).isEqualTo(sumsWithRelu(net, true)).isPositive();
        assertThat(relus(Networks.restoredFromJson(networkWithReluLayer()), true)).isEqualTo(1);
        assertThat(relusInBatchNorms(restored, true)).isEqualTo(relusInBatchNorms(net, true));
    }

    /**
     * Inference at 32 px, where the last Inception stages are 1x1 maps (ND4J gives size-1 dimensions unusual
     * strides): the in-place ReLU must recognise those arrays as plain row-major and not copy them out of the
     * activations' workspace (that had failed DL4J's workspace validation in training-time evaluation).
     */
    @Test
    void inferenceOnOneByOneFeatureMapsMatchesTheStockPath() {
        TemplateSpec tiny = new TemplateSpec(5, 32, 32, 3, 0.25, 32, 16.0, HeadActivation.SOFTMAX);
        for (String name : java.util.List.of("Clarifai_InceptionV2", "Clarifai_InceptionBatchNorm")) {
            FastAndStock pair = FastAndStock.of(TemplateRegistry.standard().get(name).build(tiny), 3);
            var batch = Networks.randomBatch(tiny, 4, 5, false);
            for (int i = 0; i < 2; i++) {     // twice: the second pass reuses the workspaces
                FastAndStock.assertRelative(name + " inference", pair.fast().outputSingle(false, batch.getFeatures()),
                        pair.stock().outputSingle(false, batch.getFeatures()), 1e-4);
            }
        }
    }

    /**
     * In inference DL4J gives each layer's output its own workspace. An input already there is rectified in place,
     * as DL4J's layer does; one that lies elsewhere goes through one pass into a new array in the output's
     * workspace (DL4J's layer copies it there first, then rectifies the copy), leaving the input as it was.
     */
    @Test
    void inferenceRectifiesInPlaceOnlyInTheOutputsWorkspace() {
        System.setProperty(Nd4jRuntime.HELPERS_DISABLED_PROPERTY, "false");
        ComputationGraph net = networkWithReluLayer();
        OneDnnReluLayer relu = (OneDnnReluLayer) java.util.Arrays.stream(net.getLayers())
                .filter(OneDnnReluLayer.class::isInstance).findFirst().orElseThrow();
        WorkspaceConfiguration config = WorkspaceConfiguration.builder().initialSize(1 << 20)
                .policyLearning(LearningPolicy.NONE).build();
        float[] values = {-1, 2, -3, 4, 0.5f, -0.5f};
        INDArray expected = Nd4j.create(new float[] {0, 2, 0, 4, 0.5f, 0}, new long[] {1, 6, 1, 1});

        LayerWorkspaceMgr elsewhere = LayerWorkspaceMgr.builder().with(ArrayType.INPUT, "relu-test-in", config)
                .with(ArrayType.ACTIVATIONS, "relu-test-out", config).build();
        try (MemoryWorkspace in = elsewhere.notifyScopeEntered(ArrayType.INPUT);
             MemoryWorkspace out = elsewhere.notifyScopeEntered(ArrayType.ACTIVATIONS)) {
            INDArray x = createIn(in, values);
            relu.setInput(x, elsewhere);
            INDArray y = relu.activate(false, elsewhere);
            assertThat(y).isNotSameAs(x).isEqualTo(expected);
            assertThat(y.data().getParentWorkspace().getId()).isEqualTo("relu-test-out");
            assertThat(x).as("input untouched").isEqualTo(Nd4j.create(values, new long[] {1, 6, 1, 1}));
        }

        LayerWorkspaceMgr same = LayerWorkspaceMgr.builder().defaultWorkspace("relu-test-out", config).build();
        try (MemoryWorkspace out = same.notifyScopeEntered(ArrayType.ACTIVATIONS)) {
            INDArray x = createIn(out, values);
            relu.setInput(x, same);
            INDArray y = relu.activate(false, same);
            assertThat(y).isSameAs(x).isEqualTo(expected);
        }
    }

    /** A convolution, its batch norm and a ReLU layer, as graphs saved before the ReLU moved into the batch norm. */
    private static ComputationGraph networkWithReluLayer() {
        return GraphCursor.start(SMALL, Padding.EXPLICIT, BatchNormStyle.PYTORCH).conv("conv", 16, 3, 1, 1, false)
                .batchNorm("bn").relu("relu").globalAvgPool("pool").denseClassifier(SMALL.numClasses(), SMALL.head(), 1.0)
                .build("pool", java.util.List.of(TemplateGraph.OUTPUT)).newNetwork(1);
    }

    /** Counts the residual sums with their ReLU, asserting each runs (or does not run) on oneDNN. */
    private static int sumsWithRelu(ComputationGraph net, boolean onOneDnn) {
        int count = 0;
        for (GraphVertex vertex : net.getVertices()) {
            if (vertex instanceof OneDnnAddReluVertex sum) {
                count++;
                assertThat(sum.onOneDnn()).as("%s on oneDNN", vertex.getVertexName()).isEqualTo(onOneDnn);
            }
        }
        return count;
    }

    private static INDArray createIn(MemoryWorkspace workspace, float[] values) {
        try (MemoryWorkspace scope = workspace.notifyScopeBorrowed()) {
            return Nd4j.create(values, new long[] {1, 6, 1, 1});
        }
    }

    /**
     * Counts the batch norms with their ReLU, asserting each runs (or does not run) on TemplateLab's oneDNN helper,
     * which applies the ReLU in the same pass.
     */
    private static int relusInBatchNorms(ComputationGraph net, boolean onOneDnn) {
        int count = 0;
        for (Layer layer : net.getLayers()) {
            if (layer instanceof BatchNormReluLayer bn) {
                count++;
                assertThat(bn.getHelper() instanceof OneDnnBatchNormHelper)
                        .as("%s on oneDNN", layer.conf().getLayer().getLayerName()).isEqualTo(onOneDnn);
            }
        }
        return count;
    }

    /** Counts the activation layers, asserting each is a {@link OneDnnReluLayer} on (or off) oneDNN. */
    private static int relus(ComputationGraph net, boolean onOneDnn) {
        int count = 0;
        for (Layer layer : net.getLayers()) {
            if (layer instanceof ActivationLayer) {
                count++;
                String name = layer.conf().getLayer().getLayerName();
                assertThat(layer).as(name).isInstanceOf(OneDnnReluLayer.class);
                assertThat(((OneDnnReluLayer) layer).onOneDnn()).as("%s on oneDNN", name).isEqualTo(onOneDnn);
            }
        }
        return count;
    }
}
