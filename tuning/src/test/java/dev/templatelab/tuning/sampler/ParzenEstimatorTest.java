package dev.templatelab.tuning.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.FloatDistribution;
import dev.templatelab.tuning.space.IntDistribution;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ParzenEstimatorTest {

    @Test
    void continuousDensityIntegratesToOne() {
        FloatDistribution d = FloatDistribution.uniform(-1, 3);
        ParzenEstimator p = new ParzenEstimator(d, List.of(0.1, 0.15, 2.9, -1.0), 1.0);
        int n = 40_000;
        double h = 4.0 / n;
        double integral = 0;
        for (int i = 0; i < n; i++) {
            integral += Math.exp(p.logPdf(-1 + (i + 0.5) * h)) * h;
        }
        assertThat(integral).isCloseTo(1.0, offset(1e-3));
    }

    @Test
    void logDensityIntegratesToOneInLogSpace() {
        FloatDistribution d = FloatDistribution.logUniform(1e-4, 1);
        ParzenEstimator p = new ParzenEstimator(d, List.of(1e-3, 2e-3, 0.5), 1.0);
        int n = 40_000;
        double lo = Math.log(1e-4);
        double h = -lo / n;
        double integral = 0;
        for (int i = 0; i < n; i++) {
            integral += Math.exp(p.logPdf(Math.exp(lo + (i + 0.5) * h))) * h;
        }
        assertThat(integral).isCloseTo(1.0, offset(1e-3));
    }

    @Test
    void discreteAndCategoricalProbabilitiesSumToOne() {
        IntDistribution stepped = new IntDistribution(128, 256, false, 16);
        ParzenEstimator p = new ParzenEstimator(stepped, List.of(128, 144, 256), 1.0);
        double sum = 0;
        for (long i = 0; i < stepped.gridSize(); i++) {
            sum += Math.exp(p.logPdf(stepped.gridPoint(i)));
        }
        assertThat(sum).isCloseTo(1.0, offset(1e-9));

        IntDistribution logInts = IntDistribution.logRange(1, 50);
        ParzenEstimator q = new ParzenEstimator(logInts, List.of(2, 3, 40), 1.0);
        double logSum = 0;
        for (int v = 1; v <= 50; v++) {
            logSum += Math.exp(q.logPdf(v));
        }
        assertThat(logSum).isCloseTo(1.0, offset(1e-9));

        CategoricalDistribution c = CategoricalDistribution.of("a", "b", "c");
        ParzenEstimator r = new ParzenEstimator(c, List.of("b", "b", "a"), 1.0);
        double pa = Math.exp(r.logPdf("a"));
        double pb = Math.exp(r.logPdf("b"));
        double pc = Math.exp(r.logPdf("c"));
        assertThat(pa + pb + pc).isCloseTo(1.0, offset(1e-12));
        assertThat(pb).isGreaterThan(pa).isGreaterThan(pc);
        assertThat(pc).isGreaterThan(0); // smoothed: an unseen choice keeps some mass
    }

    @Test
    void densityPeaksAtTheObservationsAndSamplesStayInside() {
        FloatDistribution d = FloatDistribution.uniform(0, 1);
        ParzenEstimator p = new ParzenEstimator(d, List.of(0.3, 0.31, 0.29), 1.0);
        assertThat(p.logPdf(0.3)).isGreaterThan(p.logPdf(0.8));
        SplittableRandom random = new SplittableRandom(1);
        int near = 0;
        for (Object v : p.sample(random, 2000)) {
            assertThat(d.contains(v)).isTrue();
            near += Math.abs((double) v - 0.3) < 0.15 ? 1 : 0;
        }
        assertThat(near).isGreaterThan(1000); // a uniform draw would put 30% there
    }

    @Test
    void optunasWeightsRampDownOldObservationsBeyond25() {
        assertThat(ParzenEstimator.observationWeights(10)).containsOnly(1.0);
        double[] w = ParzenEstimator.observationWeights(30);
        assertThat(w).hasSize(30);
        assertThat(w[0]).isCloseTo(1.0 / 30, offset(1e-12));
        assertThat(w[4]).isCloseTo(1.0, offset(1e-12));
        assertThat(w[2]).isBetween(w[1], w[3]);
        for (int i = 5; i < 30; i++) {
            assertThat(w[i]).isEqualTo(1.0);
        }
    }
}
