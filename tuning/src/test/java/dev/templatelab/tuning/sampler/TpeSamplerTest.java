package dev.templatelab.tuning.sampler;

import static dev.templatelab.tuning.testing.TestSpaces.EMBED;
import static dev.templatelab.tuning.testing.TestSpaces.RESNEXT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.FloatDistribution;
import dev.templatelab.tuning.space.IntDistribution;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.space.TemplateSpace;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.Objective;
import dev.templatelab.tuning.study.Study;
import dev.templatelab.tuning.study.Trial;
import dev.templatelab.tuning.study.TrialState;
import dev.templatelab.tuning.testing.TestSpaces;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class TpeSamplerTest {

    /** x in [0, 1] and y log-uniform in [1e-4, 1], as two real hyperparameters of a template. */
    private static final SearchSpace QUADRATIC = TestSpaces.of(RESNEXT,
            "flip_probability", FloatDistribution.uniform(0, 1),
            "weight_decay", FloatDistribution.logUniform(1e-4, 1));

    /** (x - 0.3)^2 + (log10(y) + 2)^2: minimum 0 at x = 0.3, y = 0.01. */
    private static double quadratic(Map<String, Object> p) {
        double x = (double) p.get("flip_probability");
        double y = (double) p.get("weight_decay");
        return Math.pow(x - 0.3, 2) + Math.pow(Math.log10(y) + 2, 2);
    }

    private static Study minimise(Sampler sampler, SearchSpace space, int trials, ToDoubleFunction<Map<String, Object>> f) {
        Study study = Study.builder("tpe", space).optObjective(Objective.of(Objective.Metric.LOSS)).optSampler(sampler).build();
        for (int i = 0; i < trials; i++) {
            Trial t = study.ask();
            study.tell(t, TrialState.COMPLETE, f.applyAsDouble(t.params()));
        }
        return study;
    }

    @Test
    void tpeBeatsRandomOnAQuadraticOverTenSeeds() {
        double[] tpe = new double[10];
        double[] random = new double[10];
        int tpeWins = 0;
        for (int seed = 0; seed < 10; seed++) {
            tpe[seed] = minimise(new TpeSampler(seed), QUADRATIC, 50, TpeSamplerTest::quadratic).best().orElseThrow().value();
            random[seed] = minimise(new RandomSampler(seed), QUADRATIC, 50, TpeSamplerTest::quadratic).best().orElseThrow().value();
            tpeWins += tpe[seed] < random[seed] ? 1 : 0;
        }
        double tpeMedian = median(tpe);
        double randomMedian = median(random);
        System.out.printf(Locale.ROOT, "best of 50 over 10 seeds: TPE median %.5f (%s), random median %.5f (%s), TPE better on %d/10%n",
                tpeMedian, fmt(tpe), randomMedian, fmt(random), tpeWins);
        assertThat(tpeMedian).isLessThan(randomMedian);
        assertThat(tpeWins).isGreaterThanOrEqualTo(7);
    }

    @Test
    void sameSeedSameTrialsAfterStartupToo() {
        List<Map<String, Object>> a = params(minimise(new TpeSampler(4), QUADRATIC, 30, TpeSamplerTest::quadratic));
        List<Map<String, Object>> b = params(minimise(new TpeSampler(4), QUADRATIC, 30, TpeSamplerTest::quadratic));
        List<Map<String, Object>> c = params(minimise(new TpeSampler(5), QUADRATIC, 30, TpeSamplerTest::quadratic));
        assertThat(a).isEqualTo(b);
        assertThat(a.subList(10, 30)).isNotEqualTo(c.subList(10, 30));
    }

    @Test
    void maximisingMinusFSamplesExactlyWhatMinimisingFDoes() {
        List<Map<String, Object>> minimised = params(minimise(new TpeSampler(8), QUADRATIC, 30, TpeSamplerTest::quadratic));
        Study maximised = Study.builder("tpe", QUADRATIC).optObjective(Objective.defaultObjective())
                .optSampler(new TpeSampler(8)).build();
        for (int i = 0; i < 30; i++) {
            Trial t = maximised.ask();
            maximised.tell(t, TrialState.COMPLETE, -quadratic(t.params()));
        }
        assertThat(params(maximised)).isEqualTo(minimised);
    }

    @Test
    void learnsTheBestChoiceOfCategoricalAndTemplateDimensions() {
        SearchSpace space = new SearchSpace(List.of(
                TestSpaces.template(RESNEXT, "batch_size", CategoricalDistribution.of(16, 32, 64, 128)),
                TestSpaces.template(EMBED, "batch_size", CategoricalDistribution.of(16, 32, 64, 128))));
        // Only the embed-norm template with batch size 32 is good.
        Study study = Study.builder("tpe", space).optObjective(Objective.of(Objective.Metric.LOSS)).optSampler(new TpeSampler(1)).build();
        int embed = 0;
        int embed32 = 0;
        for (int i = 0; i < 80; i++) {
            Trial t = study.ask();
            boolean isEmbed = t.template().equals(EMBED);
            int batch = (int) t.params().get("batch_size");
            if (i >= 30) {
                embed += isEmbed ? 1 : 0;
                embed32 += isEmbed && batch == 32 ? 1 : 0;
            }
            study.tell(t, TrialState.COMPLETE, (isEmbed ? 0.0 : 1.0) + (batch == 32 ? 0.0 : 0.5));
        }
        // Random would give 50% embed-norm and 12.5% embed-norm at 32 over the last 50 trials.
        assertThat(embed).isGreaterThan(35);
        assertThat(embed32).isGreaterThan(25);
    }

    @Test
    void integerSteppedAndLogIntegerValuesStayOnTheirGrids() {
        SearchSpace space = TestSpaces.of(RESNEXT,
                "image_size", new IntDistribution(128, 256, false, 16),
                "embedding_size", IntDistribution.logRange(64, 1024),
                "label_smoothing", new FloatDistribution(0, 0.5, false, 0.05),
                "num_epochs", IntDistribution.range(5, 20));
        TemplateSpace t = space.template(RESNEXT);
        Study study = minimise(new TpeSampler(2), space, 60, p -> Math.abs((int) p.get("image_size") - 200)
                + Math.abs(Math.log((int) p.get("embedding_size") / 300.0)) + (double) p.get("label_smoothing")
                + Math.abs((int) p.get("num_epochs") - 12));
        study.trials().forEach(trial -> assertThat(t.contains(trial.params())).as(trial.params().toString()).isTrue());
        // After the startup trials TPE concentrates near image_size 200 (random: mean distance ~34).
        double meanDistance = study.trials().subList(30, 60).stream()
                .mapToInt(trial -> Math.abs((int) trial.params().get("image_size") - 200)).average().orElseThrow();
        assertThat(meanDistance).isLessThan(20);
    }

    @Test
    void prunedTrialsAreRankedByHowFarTheyGot() {
        // A pruned trial that reached a good value late counts as "good"; the sampler must not crash on them.
        Study study = Study.builder("tpe", QUADRATIC).optObjective(Objective.of(Objective.Metric.LOSS))
                .optSampler(TpeSampler.builder(3).optStartupTrials(5).build()).build();
        for (int i = 0; i < 20; i++) {
            Trial t = study.ask();
            double f = quadratic(t.params());
            t.report(0, f + 1);
            if (i % 2 == 0) {
                study.tell(t, TrialState.PRUNED, null);
            } else {
                t.report(1, f);
                study.tell(t, TrialState.COMPLETE, f);
            }
        }
        assertThat(study.trials()).allSatisfy(t -> assertThat(QUADRATIC.contains(t.template(), t.params())).isTrue());
        assertThat(study.trial(0).value()).isEqualTo(study.trial(0).intermediateValues().get(0));
    }

    /**
     * Cancelled trials are no observations: a cancel stopped them, not their value. However good their values, TPE
     * samples as if they were not there (nor does it count them as failures: it ignores those too).
     */
    @Test
    void cancelledTrialsAreIgnored() {
        TpeSampler tpe = TpeSampler.builder(5).optStartupTrials(5).build();
        Study study = minimise(tpe, QUADRATIC, 12, TpeSamplerTest::quadratic);
        List<FrozenTrial> withCancelled = new ArrayList<>(study.trials());
        FrozenTrial model = study.trial(0);
        for (int i = 0; i < 10; i++) {
            // far from the optimum, with values better than any complete trial's
            Map<String, Object> corner = Map.of("flip_probability", 0.95 + i * 0.005, "weight_decay", 0.9);
            withCancelled.add(new FrozenTrial(12 + i, TrialState.CANCELLED, model.template(), corner,
                    model.distributions(), -1.0, new java.util.TreeMap<>(Map.of(0, -1.0)), model.started(),
                    model.finished()));
        }
        assertThat(tpe.sample(study.withTrials(withCancelled), 30)).isEqualTo(tpe.sample(study, 30));
    }

    private static List<Map<String, Object>> params(Study study) {
        List<Map<String, Object>> out = new ArrayList<>();
        study.trials().forEach(t -> out.add(t.params()));
        return out;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    private static String fmt(double[] values) {
        return String.join(" ", Arrays.stream(values).mapToObj(v -> String.format(Locale.ROOT, "%.4f", v)).toList());
    }
}
