package dev.templatelab.architectures.graph;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The padding arithmetic that reproduces Caffe's ceil mode and TensorFlow's SAME with explicit pads. */
class PaddingArithmeticTest {

    @Test
    void caffeCeilModeOverhang() {
        // BN-Inception at 224 px: 112 -> 56 and 56 -> 28 need one extra row; 28 -> 14 too; 14 -> 7 as well.
        assertThat(GraphCursor.ceilModeOverhang(112, 3, 2)).isEqualTo(1);
        assertThat(GraphCursor.ceilModeOverhang(14, 3, 2)).isEqualTo(1);
        // Odd sizes: floor and ceil agree, nothing to add (113 -> 56 either way).
        assertThat(GraphCursor.ceilModeOverhang(113, 3, 2)).isZero();
        assertThat(GraphCursor.ceilModeOverhang(7, 3, 2)).isZero();
    }

    @Test
    void tensorflowSameTotalPadding() {
        assertThat(GraphCursor.sameTotalPadding(224, 7, 2)).isEqualTo(5);   // 2 top, 3 bottom: TF-slim's stem
        assertThat(GraphCursor.sameTotalPadding(112, 3, 2)).isEqualTo(1);   // 0 top, 1 bottom
        assertThat(GraphCursor.sameTotalPadding(28, 3, 1)).isEqualTo(2);    // symmetric 1
        assertThat(GraphCursor.sameTotalPadding(28, 1, 1)).isZero();
        assertThat(GraphCursor.sameTotalPadding(7, 3, 2)).isEqualTo(2);     // 7 -> 4
    }
}
