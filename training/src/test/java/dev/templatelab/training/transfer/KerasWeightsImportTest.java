package dev.templatelab.training.transfer;

import static dev.templatelab.training.transfer.WeightsRegistry.IfRegistered.REFUSE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.checkpoint.Checkpoints;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keras .h5 import onto a template's backbone. The fixture {@code keras/tiny_resnet50.h5} is ResNet-50 at width
 * 0.0625 with seeded random weights, written by {@code keras/make_tiny_resnet50_h5.py} (h5py, Keras 2 layout).
 */
class KerasWeightsImportTest {

    private static final String RESNET = "MMClassification_ResNet_50_RSB_A1";
    private static final Map<String, String> TINY = Map.of("width_multiplier", "0.0625", "image_size", "32");
    private static Path fixture;

    @BeforeAll
    static void copyFixture(@TempDir Path dir) throws IOException {
        fixture = dir.resolve("tiny_resnet50.h5");
        try (InputStream in = KerasWeightsImportTest.class.getResourceAsStream("/keras/tiny_resnet50.h5")) {
            Files.copy(in, fixture);
        }
    }

    @Test
    void matchingModelIsRegisteredWithEveryTensorInItsLayer(@TempDir Path home) throws Exception {
        KerasWeightsImport.Imported imported = KerasWeightsImport.importH5(fixture, RESNET, "keras-tiny", TINY,
                new TemplateLabHome(home), REFUSE);

        assertThat(imported.entry().file()).exists();
        assertThat(imported.entry().sourceLabels()).hasSize(10);
        ComputationGraph net = Checkpoints.read(imported.entry().file(), false).network();
        Hdf5Archive h5 = new Hdf5Archive(fixture.toString());
        try {
            // Conv kernels: Keras [kh, kw, in, out] -> DL4J [out, in, kh, kw].
            for (String conv : new String[] {"conv1", "layer1_0_conv2", "layer4_2_conv3", "layer3_0_downsample_0"}) {
                INDArray kernel = h5.readDataSet("kernel:0", "model_weights", conv, conv);
                assertThat(net.getLayer(conv).getParam("W")).as(conv).isEqualTo(kernel.permute(3, 2, 0, 1));
            }
            // Batch norm: gamma, beta and the running statistics.
            for (String bn : new String[] {"bn1", "layer2_3_bn2", "layer4_0_downsample_1"}) {
                assertThat(flat(net.getLayer(bn).getParam("gamma"))).as(bn).isEqualTo(flat(h5.readDataSet("gamma:0", "model_weights", bn, bn)));
                assertThat(flat(net.getLayer(bn).getParam("beta"))).isEqualTo(flat(h5.readDataSet("beta:0", "model_weights", bn, bn)));
                assertThat(flat(net.getLayer(bn).getParam("mean"))).isEqualTo(flat(h5.readDataSet("moving_mean:0", "model_weights", bn, bn)));
                assertThat(flat(net.getLayer(bn).getParam("var"))).isEqualTo(flat(h5.readDataSet("moving_variance:0", "model_weights", bn, bn)));
            }
        } finally {
            h5.close();
        }
        assertThat(imported.values()).isEqualTo(net.getConfiguration().getVertices().keySet().stream()
                .filter(v -> !v.equals("classifier") && net.getLayer(v) != null)
                .mapToLong(v -> net.getLayer(v).numParams()).sum());
        assertThat(new WeightsRegistry(new TemplateLabHome(home).weights()).resolve(RESNET, "keras-tiny").sha256())
                .isEqualTo(imported.entry().sha256());

        // The name is now taken: importing again is refused before the file is read, unless replacing is asked for.
        long modified = Files.getLastModifiedTime(imported.entry().file()).toMillis();
        assertThatThrownBy(() -> KerasWeightsImport.importH5(fixture, RESNET, "keras-tiny", TINY,
                new TemplateLabHome(home), REFUSE))
                .isInstanceOf(WeightsRegistry.AlreadyRegisteredException.class)
                .hasMessageContaining("pretrained weights 'keras-tiny' are already registered for " + RESNET)
                .hasMessageContaining("--replace");
        assertThat(Files.getLastModifiedTime(imported.entry().file()).toMillis()).isEqualTo(modified);
        WeightsRegistry.Entry replaced = KerasWeightsImport.importH5(fixture, RESNET, "keras-tiny", TINY,
                new TemplateLabHome(home), WeightsRegistry.IfRegistered.REPLACE).entry();
        assertThat(replaced.sha256()).as("a new checkpoint, with its own import time").isNotEqualTo(imported.entry().sha256());
        assertThat(new WeightsRegistry(new TemplateLabHome(home).weights()).resolve(RESNET, "keras-tiny").sha256())
                .isEqualTo(replaced.sha256());
    }

    @Test
    void anotherWidthNamesTheFirstMismatchAndWritesNothing(@TempDir Path home) {
        assertThatThrownBy(() -> KerasWeightsImport.importH5(fixture, RESNET, "wide",
                Map.of("width_multiplier", "0.25", "image_size", "32"), new TemplateLabHome(home), REFUSE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter 'W' of layer 'conv1' has shape [8, 3, 7, 7] in the Keras model but the template needs [16, 3, 7, 7]")
                .hasMessageContaining("more mismatches")
                .hasMessageContaining("nothing was registered");
        assertThat(filesUnder(home)).isZero();
    }

    @Test
    void anotherArchitectureNamesTheMissingLayer(@TempDir Path home) {
        assertThatThrownBy(() -> KerasWeightsImport.importH5(fixture, "Clarifai_InceptionBatchNorm", "bn", TINY,
                new TemplateLabHome(home), REFUSE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the Keras model has no layer 'conv1_7x7_s2'");
        assertThat(filesUnder(home)).isZero();
    }

    @Test
    void corruptFileIsAClearError(@TempDir Path home) throws IOException {
        Path corrupt = home.resolve("broken.h5");
        byte[] bytes = Files.readAllBytes(fixture);
        Files.write(corrupt, java.util.Arrays.copyOf(bytes, 4096));
        assertThatThrownBy(() -> KerasWeightsImport.importH5(corrupt, RESNET, "broken", TINY,
                new TemplateLabHome(home.resolve("home")), REFUSE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read " + corrupt + " as a Keras 2 .h5 model");
        assertThatThrownBy(() -> KerasWeightsImport.importH5(home.resolve("missing.h5"), RESNET, "x", TINY,
                new TemplateLabHome(home.resolve("home")), REFUSE))
                .hasMessageContaining("does not exist");
        assertThat(filesUnder(home.resolve("home"))).isZero();
    }

    /** HDF5's native library would print dozens of HDF5-DIAG lines for it: refused before it sees the file. */
    @Test
    void aFileThatIsNotHdf5IsRefusedByItsSignature(@TempDir Path home) throws IOException {
        Path text = Files.writeString(home.resolve("model.h5"), "not a model, though named like one");
        assertThatThrownBy(() -> KerasWeightsImport.importH5(text, RESNET, "text", TINY,
                new TemplateLabHome(home.resolve("home")), REFUSE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(text + " is not a Keras .h5 (HDF5) file; give a model saved by Keras 2's model.save()");
        assertThat(filesUnder(home.resolve("home"))).isZero();

        assertThat(KerasWeightsImport.isHdf5(fixture)).as("Keras: the signature at 0").isTrue();
        byte[] signature = java.util.Arrays.copyOf(Files.readAllBytes(fixture), 8);
        Path userBlock = home.resolve("user-block.h5");
        byte[] shifted = new byte[1024 + 8];
        System.arraycopy(signature, 0, shifted, 1024, 8);
        Files.write(userBlock, shifted);
        assertThat(KerasWeightsImport.isHdf5(userBlock)).as("after a 1024-byte user block").isTrue();
        Files.write(userBlock, java.util.Arrays.copyOf(shifted, 1000));
        assertThat(KerasWeightsImport.isHdf5(userBlock)).as("cut before it").isFalse();
    }

    private static float[] flat(INDArray a) {
        return a.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(-1).toFloatVector();
    }

    private static long filesUnder(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
