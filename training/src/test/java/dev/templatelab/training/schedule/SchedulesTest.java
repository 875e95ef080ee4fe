package dev.templatelab.training.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Nesterovs;

class SchedulesTest {

    @Test
    void warmupThenCosineToTheFloor() {
        WarmupCosineSchedule s = new WarmupCosineSchedule(1.0, 0.01, 10, 0.1, 110);
        assertThat(s.valueAt(0, 0)).isCloseTo(0.1, within(1e-12));
        assertThat(s.valueAt(5, 0)).isCloseTo(0.55, within(1e-12));
        assertThat(s.valueAt(10, 0)).isCloseTo(1.0, within(1e-12));
        assertThat(s.valueAt(60, 0)).isCloseTo(0.505, within(1e-12));    // half-way: (1 + 0.01) / 2
        assertThat(s.valueAt(110, 5)).isCloseTo(0.01, within(1e-12));
        assertThat(s.valueAt(500, 9)).isCloseTo(0.01, within(1e-12));
    }

    @Test
    void stepDecayDividesByTenEveryStep() {
        StepDecaySchedule s = new StepDecaySchedule(0.5, 25, 7);
        assertThat(s.valueAt(999, 24)).isEqualTo(0.5);
        assertThat(s.valueAt(0, 25)).isCloseTo(0.05, within(1e-12));
        assertThat(s.valueAt(0, 31)).isCloseTo(0.05, within(1e-12));
        assertThat(s.valueAt(0, 32)).isCloseTo(0.005, within(1e-12));
    }

    @Test
    void scaledScheduleMultiplies() {
        assertThat(new ScaledSchedule(new StepDecaySchedule(0.5, 2, 1), 0.001).valueAt(0, 0)).isCloseTo(5e-4, within(1e-15));
    }

    @Test
    void schedulesSurviveDl4jJsonRoundTrip() {
        var conf = new NeuralNetConfiguration.Builder()
                .updater(new Nesterovs(new ScaledSchedule(new WarmupCosineSchedule(0.1, 0.001, 5, 0.01, 50), 0.5), 0.9))
                .list().layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(2).nOut(2).build()).build();
        var restored = org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(conf.toJson());
        var updater = (Nesterovs) ((org.deeplearning4j.nn.conf.layers.BaseLayer) restored.getConf(0).getLayer()).getIUpdater();
        assertThat(updater.getLearningRateSchedule().valueAt(30, 0))
                .isCloseTo(new ScaledSchedule(new WarmupCosineSchedule(0.1, 0.001, 5, 0.01, 50), 0.5).valueAt(30, 0), within(1e-15));
    }
}
