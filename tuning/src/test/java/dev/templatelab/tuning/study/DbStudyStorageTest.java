package dev.templatelab.tuning.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.experiments.Budget;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.NewExperiment;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.tuning.execution.DbStudyStorage;
import dev.templatelab.tuning.testapp.TuningDbTest;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The study storage contract on PostgreSQL: each test gets a fresh experiment. */
class DbStudyStorageTest extends TuningDbTest {

    @Autowired MetricService metrics;
    @Autowired CheckpointService checkpoints;

    StudyStorage newDbStorage() {
        return new DbStudyStorage(newExperiment().id(), "contract-worker", Metric.VAL_ACCURACY, trials, metrics);
    }

    private ExperimentInfo newExperiment() {
        return experiments.create(new NewExperiment(unique("contract"), newDataset(null).id(),
                List.of("Clarifai_ResNext", "Clarifai_InceptionV2"), "{}", "tpe", "none", Budget.of(10, 2),
                Metric.VAL_ACCURACY, Direction.MAXIMIZE, 2, null));
    }

    /**
     * A trial of a cancelled experiment reads as CANCELLED (what the samplers leave out), not FAIL, with the value of
     * its checkpointed epoch and its curve; a study cannot cancel one trial on its own.
     */
    @Test
    void aCancelledExperimentsTrialsReadAsCancelledWithTheirCheckpointedValue() {
        ExperimentInfo e = newExperiment();
        DbStudyStorage s = new DbStudyStorage(e.id(), "contract-worker", Metric.VAL_ACCURACY, trials, metrics);
        int n = s.createTrial("Clarifai_ResNext", Map.of(), Map.of(), Instant.EPOCH);
        int other = s.createTrial("Clarifai_ResNext", Map.of(), Map.of(), Instant.EPOCH);
        s.reportIntermediate(n, 0, 0.4);
        s.reportIntermediate(n, 1, 0.7);
        checkpoints.save(trials.find(e.id(), n).orElseThrow().id(), 0, new ByteArrayInputStream(new byte[] {1}), true);
        assertThatThrownBy(() -> s.finishTrial(other, TrialState.CANCELLED, null, Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cancelled with its experiment");

        experiments.cancel(e.id());

        FrozenTrial t = s.trial(n);
        assertThat(t.state()).isEqualTo(TrialState.CANCELLED);
        assertThat(t.value()).as("its checkpointed epoch's").isEqualTo(0.4);
        assertThat(t.intermediateValues()).containsExactly(Map.entry(0, 0.4), Map.entry(1, 0.7));
        assertThat(s.trial(other).state()).isEqualTo(TrialState.CANCELLED);
        assertThat(s.trial(other).value()).isNull();
    }

    @Nested
    class Contract extends StudyStorageContract {
        @Override
        protected StudyStorage newStorage() {
            return newDbStorage();
        }
    }
}
