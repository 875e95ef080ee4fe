package dev.templatelab.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Averaging the probabilities of an image and its mirror image. */
class FlipAveragingTest {

    @Test
    void elementWiseMean() {
        // Binary fractions, so that the float mean is exact.
        INDArray image = Nd4j.create(new float[][] {{0.125f, 0.875f}, {1.0f, 0.0f}});
        INDArray mirror = Nd4j.create(new float[][] {{0.375f, 0.625f}, {0.5f, 0.5f}});

        INDArray mean = FlipAveraging.average(image, mirror);

        assertThat(mean.shape()).containsExactly(2, 2);
        assertThat(mean.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(mean.toFloatMatrix()).isDeepEqualTo(new float[][] {{0.25f, 0.75f}, {0.75f, 0.25f}});
    }

    @Test
    void inputsStayUnchanged() {
        INDArray image = Nd4j.create(new float[][] {{0.2f, 0.8f}});
        INDArray mirror = Nd4j.create(new float[][] {{0.4f, 0.6f}});

        FlipAveraging.average(image, mirror);

        assertThat(image.toFloatMatrix()).isDeepEqualTo(new float[][] {{0.2f, 0.8f}});
        assertThat(mirror.toFloatMatrix()).isDeepEqualTo(new float[][] {{0.4f, 0.6f}});
    }

    @Test
    void mixedPrecisionTakesTheFirstArraysType() {
        INDArray image = Nd4j.create(new float[][] {{0.25f, 0.75f}});
        INDArray mirror = Nd4j.create(new double[][] {{0.75, 0.25}});

        INDArray mean = FlipAveraging.average(image, mirror);

        assertThat(mean.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(mean.toFloatMatrix()).isDeepEqualTo(new float[][] {{0.5f, 0.5f}});
    }

    @Test
    void shapesMustMatch() {
        assertThatThrownBy(() -> FlipAveraging.average(Nd4j.zeros(2, 3), Nd4j.zeros(3, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3]");
    }
}
