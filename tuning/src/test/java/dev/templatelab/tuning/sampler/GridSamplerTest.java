package dev.templatelab.tuning.sampler;

import static dev.templatelab.tuning.testing.TestSpaces.EMBED;
import static dev.templatelab.tuning.testing.TestSpaces.RESNEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.FloatDistribution;
import dev.templatelab.tuning.space.IntDistribution;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.study.Study;
import dev.templatelab.tuning.study.Trial;
import dev.templatelab.tuning.study.TrialState;
import dev.templatelab.tuning.testing.TestSpaces;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GridSamplerTest {

    private static final SearchSpace GRID = TestSpaces.of(RESNEXT,
            "batch_size", CategoricalDistribution.of(32, 64),
            "image_size", new IntDistribution(128, 192, false, 32),
            "flip_probability", new FloatDistribution(0, 1, false, 0.5),
            "updater", CategoricalDistribution.fixed("adamw"));

    @Test
    void visitsEveryPointExactlyOnceInOdometerOrderThenIsExhausted() {
        Study study = Study.builder("grid", GRID).optSampler(new GridSampler()).build();
        List<String> visited = new ArrayList<>();
        TrialState[] endings = {TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED};
        for (int i = 0; i < 18; i++) {
            assertThat(study.isFinished()).isFalse();
            Trial t = study.ask();
            Map<String, Object> p = t.params();
            visited.add(p.get("batch_size") + "/" + p.get("image_size") + "/" + p.get("flip_probability"));
            if (i % 4 != 3) { // some stay running: their points are taken too
                study.tell(t, endings[i % 3], 0.5);
            }
        }
        List<String> expected = new ArrayList<>();
        for (int b : new int[] {32, 64}) {
            for (int s : new int[] {128, 160, 192}) {
                for (double f : new double[] {0.0, 0.5, 1.0}) {
                    expected.add(b + "/" + s + "/" + f);
                }
            }
        }
        assertThat(visited).containsExactlyElementsOf(expected);
        assertThat(GridSampler.size(GRID)).isEqualTo(18);
        assertThat(study.isFinished()).isTrue();
        assertThat(study.stopReason()).hasValueSatisfying(r -> assertThat(r).contains("every grid point was tried"));
        assertThatThrownBy(study::ask).isInstanceOf(IllegalStateException.class).hasMessageContaining("is finished");
    }

    @Test
    void multiTemplateGridIsEachTemplatesGridInTurn() {
        SearchSpace space = new SearchSpace(List.of(
                TestSpaces.template(RESNEXT, "batch_size", CategoricalDistribution.of(32, 64)),
                TestSpaces.template(EMBED, "embedding_size", CategoricalDistribution.of(128, 256, 512),
                        "average_horizontal_flips", CategoricalDistribution.of(false, true))));
        assertThat(GridSampler.size(space)).isEqualTo(2 + 6);
        Study study = Study.builder("grid", space).optSampler(new GridSampler()).build();
        List<String> visited = new ArrayList<>();
        while (!study.isFinished()) {
            Trial t = study.ask();
            visited.add(t.template() + t.params());
            study.tell(t, TrialState.COMPLETE, 0.0);
        }
        assertThat(visited).hasSize(8).doesNotHaveDuplicates();
        assertThat(visited.get(0)).isEqualTo(RESNEXT + "{batch_size=32}");
        assertThat(visited.get(2)).isEqualTo(EMBED + "{embedding_size=128, average_horizontal_flips=false}");
        assertThat(new HashSet<>(visited.subList(2, 8))).hasSize(6);
    }

    @Test
    void continuousDimensionWithoutStepIsAnError() {
        SearchSpace space = TestSpaces.of(RESNEXT, "batch_size", CategoricalDistribution.of(32, 64),
                "per_item_lrate", FloatDistribution.logUniform(1e-5, 1e-3));
        Study study = Study.builder("grid", space).optSampler(new GridSampler()).build();
        assertThatThrownBy(study::ask)
                .hasMessageContaining("grid search needs a step for the continuous parameter per_item_lrate of Clarifai_ResNext")
                .hasMessageContaining("per_item_lrate=low..high:step");
    }

    @Test
    void hugeGridsAreRefused() {
        SearchSpace space = TestSpaces.of(RESNEXT, "seed", IntDistribution.range(0, 2_000_000));
        assertThatThrownBy(() -> GridSampler.size(space)).hasMessageContaining("more than 1000000 points");
    }

    @Test
    void theOrderDoesNotDependOnTheSeedOrTheRun() {
        Study a = Study.builder("a", GRID).optSampler(new GridSampler()).build();
        Study b = Study.builder("b", GRID).optSampler(new GridSampler()).build();
        for (int i = 0; i < 18; i++) {
            assertThat(a.ask().params()).isEqualTo(b.ask().params());
        }
    }
}
