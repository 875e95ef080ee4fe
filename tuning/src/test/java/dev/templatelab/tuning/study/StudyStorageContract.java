package dev.templatelab.tuning.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.FloatDistribution;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What every {@link StudyStorage} must do; each implementation's test extends this (the database one too). */
abstract class StudyStorageContract {

    /** A fresh, empty storage for one study. */
    protected abstract StudyStorage newStorage();

    private static final Map<String, Object> PARAMS = Map.of("batch_size", 32, "per_item_lrate", 1e-4);
    private static final Map<String, Distribution> DISTRIBUTIONS = Map.of("batch_size", CategoricalDistribution.of(32, 64),
            "per_item_lrate", FloatDistribution.logUniform(1e-5, 1e-3));

    @Test
    void trialsAreNumberedInCreationOrderAndStartRunning() {
        StudyStorage s = newStorage();
        assertThat(s.createTrial("Clarifai_ResNext", PARAMS, DISTRIBUTIONS, Instant.ofEpochSecond(1))).isEqualTo(0);
        assertThat(s.createTrial("Clarifai_InceptionV2", Map.of(), Map.of(), Instant.ofEpochSecond(2))).isEqualTo(1);
        FrozenTrial first = s.trial(0);
        assertThat(first.state()).isEqualTo(TrialState.RUNNING);
        assertThat(first.template()).isEqualTo("Clarifai_ResNext");
        assertThat(first.params()).isEqualTo(PARAMS);
        assertThat(first.distributions()).isEqualTo(DISTRIBUTIONS);
        assertThat(first.value()).isNull();
        assertThat(first.started()).isEqualTo(Instant.ofEpochSecond(1));
        assertThat(s.trials()).extracting(FrozenTrial::number).containsExactly(0, 1);
    }

    @Test
    void intermediateValuesKeepTheFirstReportPerStep() {
        StudyStorage s = newStorage();
        int n = s.createTrial("Clarifai_ResNext", PARAMS, DISTRIBUTIONS, Instant.EPOCH);
        assertThat(s.reportIntermediate(n, 1, 0.5)).isTrue();
        assertThat(s.reportIntermediate(n, 0, 0.4)).isTrue();
        assertThat(s.reportIntermediate(n, 1, 0.9)).isFalse();
        assertThat(s.trial(n).intermediateValues()).containsExactly(Map.entry(0, 0.4), Map.entry(1, 0.5));
    }

    @Test
    void finishedTrialsKeepTheirCurveAndCannotChange() {
        StudyStorage s = newStorage();
        int n = s.createTrial("Clarifai_ResNext", PARAMS, DISTRIBUTIONS, Instant.EPOCH);
        s.reportIntermediate(n, 0, 0.3);
        s.finishTrial(n, TrialState.PRUNED, 0.3, Instant.ofEpochSecond(9));
        FrozenTrial t = s.trial(n);
        assertThat(t.state()).isEqualTo(TrialState.PRUNED);
        assertThat(t.value()).isEqualTo(0.3);
        assertThat(t.finished()).isEqualTo(Instant.ofEpochSecond(9));
        assertThat(t.intermediateValues()).containsExactly(Map.entry(0, 0.3));
        assertThatThrownBy(() -> s.finishTrial(n, TrialState.COMPLETE, 0.4, Instant.EPOCH))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already PRUNED");
        assertThatThrownBy(() -> s.reportIntermediate(n, 1, 0.4)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s.trial(7)).hasMessageContaining("no trial 7");
    }

    @Test
    void finishingAsRunningIsRejected() {
        StudyStorage s = newStorage();
        int n = s.createTrial("Clarifai_ResNext", PARAMS, DISTRIBUTIONS, Instant.EPOCH);
        assertThatThrownBy(() -> s.finishTrial(n, TrialState.RUNNING, null, Instant.EPOCH))
                .hasMessageContaining("not RUNNING");
    }
}
