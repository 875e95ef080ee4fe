package dev.templatelab.tuning.sampler;

import static dev.templatelab.tuning.testing.TestSpaces.EMBED;
import static dev.templatelab.tuning.testing.TestSpaces.RESNEXT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.FloatDistribution;
import dev.templatelab.tuning.space.IntDistribution;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.space.TemplateSpace;
import dev.templatelab.tuning.study.Study;
import dev.templatelab.tuning.study.Trial;
import dev.templatelab.tuning.study.TrialState;
import dev.templatelab.tuning.testing.TestSpaces;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RandomSamplerTest {

    private static final SearchSpace MIXED = TestSpaces.of(RESNEXT,
            "flip_probability", FloatDistribution.uniform(0, 1),
            "weight_decay", FloatDistribution.logUniform(1e-5, 1e-1),
            "label_smoothing", new FloatDistribution(0, 0.5, false, 0.1),
            "num_epochs", IntDistribution.range(1, 5),
            "image_size", new IntDistribution(128, 256, false, 32),
            "embedding_size", IntDistribution.logRange(64, 1024),
            "batch_size", CategoricalDistribution.of(16, 32, 64),
            "updater", CategoricalDistribution.fixed("adamw"));

    static List<Map<String, Object>> run(Sampler sampler, SearchSpace space, int n) {
        Study study = Study.builder("random", space).optSampler(sampler).build();
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Trial t = study.ask();
            out.add(t.params());
            study.tell(t, TrialState.COMPLETE, (double) i);
        }
        return out;
    }

    @Test
    void everyValueIsInsideItsDistributionAndTyped() {
        List<Map<String, Object>> samples = run(new RandomSampler(7), MIXED, 2000);
        TemplateSpace space = MIXED.template(RESNEXT);
        for (Map<String, Object> p : samples) {
            assertThat(space.contains(p)).as(p.toString()).isTrue();
            assertThat(p.get("flip_probability")).isInstanceOf(Double.class);
            assertThat(p.get("num_epochs")).isInstanceOf(Integer.class);
            assertThat(p.get("updater")).isEqualTo("adamw");
        }
        assertThat(values(samples, "label_smoothing")).containsExactlyInAnyOrder(0.0, 0.1, 0.2, 0.3, 0.4, 0.5);
        assertThat(values(samples, "num_epochs")).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
        assertThat(values(samples, "image_size")).containsExactlyInAnyOrder(128, 160, 192, 224, 256);
        assertThat(values(samples, "batch_size")).containsExactlyInAnyOrder(16, 32, 64);
    }

    @Test
    void logRangesAreLogUniform() {
        List<Map<String, Object>> samples = run(new RandomSampler(3), MIXED, 2000);
        // Half the log-mass of [1e-5, 1e-1] lies below 1e-3 (a uniform draw would put 1% there).
        double belowGeometricMiddle = samples.stream().filter(p -> (double) p.get("weight_decay") < 1e-3).count() / 2000.0;
        assertThat(belowGeometricMiddle).isBetween(0.45, 0.55);
        double smallEmbeddings = samples.stream().filter(p -> (int) p.get("embedding_size") < 256).count() / 2000.0;
        assertThat(smallEmbeddings).isBetween(0.45, 0.55); // uniform ints would give 20%
        double lowFlips = samples.stream().filter(p -> (double) p.get("flip_probability") < 0.5).count() / 2000.0;
        assertThat(lowFlips).isBetween(0.45, 0.55);
    }

    @Test
    void sameSeedSameSamplesOtherSeedOtherSamples() {
        assertThat(run(new RandomSampler(11), MIXED, 30)).isEqualTo(run(new RandomSampler(11), MIXED, 30));
        assertThat(run(new RandomSampler(11), MIXED, 30)).isNotEqualTo(run(new RandomSampler(12), MIXED, 30));
    }

    @Test
    void templatesAreADimensionAndParametersFollowTheirTemplate() {
        SearchSpace space = SearchSpace.parse(List.of(RESNEXT, EMBED), List.of());
        Study study = Study.builder("two templates", space).optSampler(new RandomSampler(5)).build();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            Trial t = study.ask();
            seen.add(t.template());
            assertThat(space.template(t.template()).contains(t.params())).isTrue();
            assertThat(t.hyperparameters().values()).containsAllEntriesOf(t.params());
            study.tell(t, TrialState.COMPLETE, 0.5);
        }
        assertThat(seen).containsExactlyInAnyOrder(RESNEXT, EMBED);
    }

    private static Set<Object> values(List<Map<String, Object>> samples, String name) {
        Set<Object> values = new HashSet<>();
        samples.forEach(p -> values.add(p.get(name)));
        return values;
    }
}
