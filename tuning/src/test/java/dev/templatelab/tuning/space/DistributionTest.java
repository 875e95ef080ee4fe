package dev.templatelab.tuning.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DistributionTest {

    @Test
    void floatContainsRespectsBoundsAndDecimalSteps() {
        FloatDistribution stepped = new FloatDistribution(0.0, 1.0, false, 0.1);
        assertThat(stepped.gridSize()).isEqualTo(11);
        assertThat(stepped.contains(0.3)).isTrue(); // 0.3 / 0.1 is not exact in binary
        assertThat(stepped.contains(0.35)).isFalse();
        assertThat(stepped.contains(1.1)).isFalse();
        assertThat(stepped.contains("0.3")).isFalse();
        assertThat(FloatDistribution.logUniform(1e-4, 1).contains(1e-5)).isFalse();
        assertThat(FloatDistribution.uniform(0, 1).contains(Double.NaN)).isFalse();
    }

    @Test
    void intContainsOnlyWholeValuesOnTheStepGrid() {
        IntDistribution sizes = new IntDistribution(112, 224, false, 16);
        assertThat(sizes.gridSize()).isEqualTo(8);
        assertThat(sizes.contains(128)).isTrue();
        assertThat(sizes.contains(130)).isFalse();
        assertThat(sizes.contains(128.5)).isFalse();
        assertThat(sizes.contains(240)).isFalse();
        assertThat(sizes.fromInternal(131.0)).isEqualTo(128);
        assertThat(sizes.fromInternal(1000.0)).isEqualTo(224);
    }

    @Test
    void categoricalComparesNumbersByValue() {
        CategoricalDistribution c = CategoricalDistribution.of(16, 32, "x", true);
        assertThat(c.contains(32.0)).isTrue();
        assertThat(c.indexOf("x")).isEqualTo(2);
        assertThat(c.toInternal(true)).isEqualTo(3.0);
        assertThat(c.fromInternal(1)).isEqualTo(32);
        assertThat(c.contains(false)).isFalse();
        assertThat(CategoricalDistribution.fixed(null).contains(null)).isTrue();
    }

    @Test
    void invalidDistributionsAreRejectedWithTheReason() {
        assertThatThrownBy(() -> FloatDistribution.logUniform(0, 1)).hasMessageContaining("log range needs low > 0");
        assertThatThrownBy(() -> new FloatDistribution(0, 1, false, 0.3)).hasMessageContaining("step 0.3 does not divide");
        assertThatThrownBy(() -> new FloatDistribution(1e-3, 1, true, 0.1)).hasMessageContaining("log and step cannot be combined");
        assertThatThrownBy(() -> FloatDistribution.uniform(2, 1)).hasMessageContaining("low 2.0 is above high 1.0");
        assertThatThrownBy(() -> new IntDistribution(0, 10, false, 3)).hasMessageContaining("step 3 does not divide");
        assertThatThrownBy(() -> IntDistribution.logRange(0, 10)).hasMessageContaining("log range needs low > 0");
        assertThatThrownBy(() -> new IntDistribution(1, 9, true, 2)).hasMessageContaining("log and step cannot be combined");
        assertThatThrownBy(() -> new CategoricalDistribution(List.of())).hasMessageContaining("at least one choice");
        assertThatThrownBy(() -> CategoricalDistribution.of(64, 64.0)).hasMessageContaining("listed twice");
    }

    @Test
    void jsonRoundTripKeepsEveryDistribution() {
        List<Distribution> all = List.of(FloatDistribution.uniform(0, 1), FloatDistribution.logUniform(1e-5, 1e-2),
                new FloatDistribution(0, 1, false, 0.25), new IntDistribution(112, 224, false, 16),
                IntDistribution.logRange(64, 1024), CategoricalDistribution.of(16, 32, 64),
                CategoricalDistribution.of(false, true), CategoricalDistribution.of("sgd", "adamw"),
                new CategoricalDistribution(Arrays.asList(0.5, "None", null)));
        for (Distribution d : all) {
            Distribution back = Distribution.fromJson(d.toJson());
            assertThat(back).as(d.toJson()).isEqualTo(d);
            assertThat(back.getClass()).isEqualTo(d.getClass());
        }
        assertThat(FloatDistribution.uniform(0, 1).toJson())
                .isEqualTo("{\"type\":\"float\",\"low\":0.0,\"high\":1.0,\"log\":false,\"step\":null}");
    }

    @Test
    void invalidJsonIsRejectedWithTheConstructorsReason() {
        assertThatThrownBy(() -> Distribution.fromJson("{\"type\":\"float\",\"low\":0,\"high\":1,\"log\":true}"))
                .hasMessageContaining("log range needs low > 0");
        assertThatThrownBy(() -> Distribution.fromJson("{\"type\":\"gaussian\"}")).hasMessageStartingWith("not a distribution");
    }

    @Test
    void internalRepresentationRoundTrips() {
        FloatDistribution f = FloatDistribution.logUniform(1e-5, 1e-2);
        assertThat(f.fromInternal(f.toInternal(3e-4))).isEqualTo(3e-4);
        CategoricalDistribution c = CategoricalDistribution.of("a", "b", "c");
        for (Object choice : c.choices()) {
            assertThat(c.fromInternal(c.toInternal(choice))).isEqualTo(choice);
        }
        assertThatThrownBy(() -> c.toInternal("d")).hasMessageContaining("not one of");
    }
}
