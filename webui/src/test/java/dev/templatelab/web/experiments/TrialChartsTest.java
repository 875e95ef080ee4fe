package dev.templatelab.web.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialParam;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.FloatDistribution;
import dev.templatelab.tuning.space.IntDistribution;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The experiment page's charts: readable template names, and a note instead of bare axes while there is no data. */
class TrialChartsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void threeTemplateNamesAreSlantedSoTheyDoNotRunIntoEachOther() throws Exception {
        String three = json(TrialCharts.templateComparison(List.of("Clarifai_InceptionV2", "Clarifai_InceptionBatchNorm",
                "MMClassification_ResNet_50_RSB_A1"), List.of(), Metric.VAL_ACCURACY));
        assertThat(three).contains("\"rotate\":20", "\"containLabel\":true");

        // Two fit side by side (the README's screenshot): left level
        String two = json(TrialCharts.templateComparison(List.of("Clarifai_InceptionV2", "Clarifai_InceptionBatchNorm"),
                List.of(), Metric.VAL_ACCURACY));
        assertThat(two).doesNotContain("rotate");
    }

    /** Long parameter names stand slanted above their axes, whole (ECharts otherwise cuts them to the axes' spacing). */
    @Test
    void parallelAxisNamesAreSlantedAndNotCutShort() throws Exception {
        TrialInfo trial = new TrialInfo(1, 1, 0, "Clarifai_InceptionBatchNorm", TrialState.COMPLETE, null, null, 1, null,
                null, null, null, null, null, 0.5, 0, List.of(
                TrialParam.ofNumber("base_gradient_multiplier", 0.01, FloatDistribution.logUniform(1e-4, 1).toJson())));
        TrialInfo other = new TrialInfo(2, 1, 1, "Clarifai_InceptionBatchNorm", TrialState.COMPLETE, null, null, 1, null,
                null, null, null, null, null, 0.6, 0, List.of(
                TrialParam.ofNumber("base_gradient_multiplier", 0.1, FloatDistribution.logUniform(1e-4, 1).toJson())));
        String json = json(TrialCharts.parallel(List.of(trial, other), Metric.VAL_ACCURACY));
        assertThat(json).contains("\"name\":\"base_gradient_multiplier\",\"nameRotate\":30",
                "\"nameTruncate\":{\"maxWidth\":180}");
    }

    @Test
    void chartsWithoutACompleteTrialSaySo() throws Exception {
        assertThat(json(TrialCharts.history(List.of(), Metric.VAL_LOSS))).contains(TrialCharts.NO_COMPLETE_TRIAL);
        assertThat(json(TrialCharts.parallel(List.of(), Metric.VAL_LOSS))).contains(TrialCharts.NO_COMPLETE_TRIAL);
        assertThat(json(TrialCharts.templateComparison(List.of("Clarifai_InceptionV2"), List.of(), Metric.VAL_LOSS)))
                .contains(TrialCharts.NO_COMPLETE_TRIAL);
        assertThat(json(TrialCharts.learningCurves("Learning curves", Metric.VAL_LOSS, Map.of(), id -> "#" + id)))
                .contains(TrialCharts.NO_EPOCH);
        assertThat(json(TrialCharts.learningCurves("Learning curves", Metric.VAL_LOSS, Map.of(1L, List.of()),
                id -> "#" + id))).contains(TrialCharts.NO_EPOCH);
    }

    /** In the trial grid's narrow column the searched values come first; fixed settings keep their order after them. */
    @Test
    void aTrialsParametersListTheSearchedOnesFirst() {
        TrialInfo trial = new TrialInfo(1, 1, 0, "Clarifai_InceptionV2", TrialState.COMPLETE, null, null, 1, null, null,
                null, null, null, null, 0.5, 0, List.of(
                TrialParam.ofChoice("batch_size", 16, 0, CategoricalDistribution.fixed(16).toJson()),
                TrialParam.ofNumber("lrate", 0.00123456, FloatDistribution.logUniform(1e-4, 1e-2).toJson()),
                TrialParam.ofNumber("image_size", 32, IntDistribution.range(32, 32).toJson()),
                TrialParam.ofChoice("flip", 0.5, 1, CategoricalDistribution.of(0.0, 0.5).toJson())));
        assertThat(TrialCharts.params(trial)).isEqualTo("lrate=0.001235, flip=0.5000, batch_size=16, image_size=32");
    }

    private static String json(Map<String, Object> option) throws Exception {
        return JSON.writeValueAsString(option);
    }
}
