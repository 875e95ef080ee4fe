package dev.templatelab.tuning.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TruncatedNormalTest {

    @Test
    void massMatchesTheCdfInTheBodyAndStaysFiniteInTheTails() {
        assertThat(Math.exp(TruncatedNormal.logMass(-1, 1))).isCloseTo(0.6826894921370859, offset(1e-12));
        assertThat(Math.exp(TruncatedNormal.logMass(1, 2))).isCloseTo(0.13590512198327787, offset(1e-12));
        assertThat(TruncatedNormal.logMass(-2, -1)).isCloseTo(TruncatedNormal.logMass(1, 2), offset(1e-12));
        // 40 and 60 standard deviations out: naive Phi(b) - Phi(a) is 0 - 0.
        double far = TruncatedNormal.logMass(40, 41);
        assertThat(far).isFinite().isCloseTo(-0.5 * 40 * 40 - Math.log(40) - 0.5 * Math.log(2 * Math.PI), offset(1e-3));
        assertThat(TruncatedNormal.logMass(60, Double.POSITIVE_INFINITY)).isFinite();
        // Continuity where the exact formula hands over to the asymptotic series.
        assertThat(TruncatedNormal.logMass(29.999, 31)).isCloseTo(TruncatedNormal.logMass(30.001, 31), offset(0.1));
    }

    @Test
    void samplesStayInBoundsWithTheRightMean() {
        SplittableRandom random = new SplittableRandom(3);
        double sum = 0;
        int n = 50_000;
        for (int i = 0; i < n; i++) {
            double x = TruncatedNormal.sample(0, 1, 0, 10, random);
            assertThat(x).isBetween(0.0, 10.0);
            sum += x;
        }
        assertThat(sum / n).isCloseTo(Math.sqrt(2 / Math.PI), offset(0.01)); // half-normal mean
    }
}
