package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.storage.events.EventInfo;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.RecordedEpoch;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.tuning.testing.TinyDigits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

/** Tuning on mean average precision: measured after every epoch on multi-label data, refused on single-label data. */
class MapObjectiveTest extends DigitsExperimentTest {

    static Path multiLabel;

    /** The tiny digits as a multi-label CSV manifest: each image is its digit and "even" or "odd". */
    @BeforeAll
    static void multiLabelManifest() throws Exception {
        List<String> lines = new ArrayList<>(List.of("path,labels"));
        for (int d = 0; d < 3; d++) {
            try (Stream<Path> files = Files.list(digits.resolve(String.valueOf(d)))) {
                for (Path f : files.sorted().toList()) {
                    lines.add(digits.relativize(f) + "," + d + ";" + (d % 2 == 0 ? "even" : "odd"));
                }
            }
        }
        multiLabel = Files.write(digits.resolve("labels.csv"), lines);
    }

    private ExperimentInfo launch(Path data, String pruner) {
        Map<String, Object> space = TinyDigits.space();
        space.put("logreg", 1);   // independent sigmoid outputs, as multi-label data need
        space.put("lrate", Map.of("low", 0.01, "high", 0.1, "log", true));
        return launcher.launch(new ExperimentRequest(unique("map"), newDataset(data).id(), List.of("Clarifai_InceptionV2"),
                "random", pruner, 2, 2, 1, "map", space, null, 13L));
    }

    @Test
    void aMultiLabelExperimentIsTunedOnItsPerEpochMeanAveragePrecision() {
        ExperimentInfo e = launch(multiLabel, "median");
        assertThat(e.objective()).isEqualTo(Metric.VAL_MAP);
        TrialWorker w = worker("map");
        for (int i = 0; i < 6 && experiments.get(e.id()).state() != ExperimentState.COMPLETE; i++) {
            w.workOnce();
        }
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
        List<TrialInfo> all = trials.page(e.id(), null, Pageable.unpaged(Sort.by("number"))).getContent();
        assertThat(all).hasSize(2).allSatisfy(t -> {
            assertThat(t.state()).isIn(TrialState.COMPLETE, TrialState.PRUNED);
            List<RecordedEpoch> curve = metrics.curve(t.id());
            assertThat(curve).isNotEmpty().allSatisfy(r -> assertThat(r.metrics().valMap()).isBetween(0.0, 1.0));
            if (t.state() == TrialState.COMPLETE) {
                // the objective is the mAP of the best epoch, as reported after that epoch
                assertThat(t.objectiveValue()).isEqualTo(curve.get(t.bestEpoch()).metrics().valMap());
            }
        });
        // the pruner compared trials on mAP: the experiment's best is the highest mAP
        assertThat(experiments.summary(e.id()).best()).get().extracting(b -> b.objectiveValue())
                .isEqualTo(all.stream().map(TrialInfo::objectiveValue).filter(v -> v != null).max(Double::compare).orElseThrow());
    }

    @Test
    void onSingleLabelDataMapIsRefusedWithAMessageAndTheExperimentFails() {
        ExperimentInfo e = launch(digits, "none");
        TrialWorker w = worker("no-map");
        assertThat(w.workOnce()).contains(TrialRunner.Result.FAIL);
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.FAILED);
        TrialInfo t = trials.page(e.id(), null, Pageable.unpaged()).getContent().get(0);
        assertThat(t.state()).isEqualTo(TrialState.FAIL);
        assertThat(t.attempts()).as("not retried").isEqualTo(1);
        assertThat(t.error()).contains("objective map (mean average precision) is measured on multi-label data only")
                .contains("tune it on accuracy or macro_f1");
        assertThat(events.recent(e.id(), 20)).extracting(EventInfo::message).anyMatch(m -> m.contains("experiment failed"));
        assertThat(w.workOnce()).as("a failed experiment runs nothing").isEmpty();
    }
}
