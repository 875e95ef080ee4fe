package dev.templatelab.web.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.storage.metrics.Metric;
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

    private static String json(Map<String, Object> option) throws Exception {
        return JSON.writeValueAsString(option);
    }
}
