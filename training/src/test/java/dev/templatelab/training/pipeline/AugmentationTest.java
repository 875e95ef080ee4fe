package dev.templatelab.training.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.training.pipeline.Augmentation.FlipDirection;
import dev.templatelab.training.pipeline.Augmentation.RandomResizedCrop;
import org.junit.jupiter.api.Test;

class AugmentationTest {

    @Test
    void noneDoesNothing() {
        Augmentation none = Augmentation.none();

        assertThat(none.flipProbability()).isZero();
        assertThat(none.randomResizedCrop()).isNull();
        assertThat(none.mixesBatches()).isFalse();
        assertThat(none.isRandomPerImage()).isFalse();
        assertThat(none.labelSmoothing()).isZero();
        assertThat(none.randAugmentOps()).isZero();
    }

    @Test
    void withersChangeOneSetting() {
        Augmentation a = Augmentation.none().withFlip(0.5, FlipDirection.VERTICAL).withMixup(0.2).withCutmix(1.0)
                .withLabelSmoothing(0.1).withRandAugment(2, 9).withRandomResizedCrop(RandomResizedCrop.standard());

        assertThat(a).isEqualTo(new Augmentation(0.5, FlipDirection.VERTICAL,
                new RandomResizedCrop(0.08, 1.0, 0.75, 4.0 / 3.0), 0.2, 1.0, 0.1, 2, 9));
        assertThat(a.mixesBatches()).isTrue();
        assertThat(a.isRandomPerImage()).isTrue();
    }

    @Test
    void rejectsOutOfRangeSettingsNamingTheAllowedRange() {
        Augmentation none = Augmentation.none();

        assertThatThrownBy(() -> none.withFlip(1.5, FlipDirection.HORIZONTAL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("flipProbability must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> none.withFlip(Double.NaN, FlipDirection.HORIZONTAL))
                .hasMessageContaining("flipProbability must be in [0, 1]");
        assertThatThrownBy(() -> none.withFlip(0.5, null))
                .hasMessageContaining("flipDirection must be HORIZONTAL or VERTICAL");
        assertThatThrownBy(() -> none.withMixup(-0.1))
                .hasMessage("mixupAlpha must be 0 (off) or in (0, 10.0], got -0.1");
        assertThatThrownBy(() -> none.withCutmix(11))
                .hasMessage("cutmixAlpha must be 0 (off) or in (0, 10.0], got 11.0");
        assertThatThrownBy(() -> none.withLabelSmoothing(1.0))
                .hasMessageContaining("labelSmoothing must be in [0, 1)");
        assertThatThrownBy(() -> none.withRandAugment(11, 5))
                .hasMessage("randAugmentOps must be in [0, 10], got 11");
        assertThatThrownBy(() -> none.withRandAugment(2, 10.5))
                .hasMessage("randAugmentMagnitude must be in [0, 10.0], got 10.5");
        assertThatThrownBy(() -> new RandomResizedCrop(0.5, 0.2, 0.75, 1.33))
                .hasMessageContaining("scale range must satisfy 0 < min <= max <= 1");
        assertThatThrownBy(() -> new RandomResizedCrop(0.08, 1.0, 0, 1.33))
                .hasMessageContaining("ratio range must satisfy 0 < min <= max");
    }
}
