package dev.templatelab.web.experiments;

import com.fasterxml.jackson.databind.JsonNode;
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

    /**
     * Template names stand whole left of the first axis, right-aligned in a margin that holds them, wrapped at '_' or
     * camelCase words: ECharts otherwise draws them right of the axis, over the next axes and the lines. A long choice of
     * an inner categorical is cut before the next axis.
     */
    @Test
    void templateNamesStandWrappedLeftOfTheFirstAxis() throws Exception {
        String choices = CategoricalDistribution.of("sgd", "sgd_with_nesterov_momentum").toJson();
        List<TrialInfo> trials = List.of(
                new TrialInfo(1, 1, 0, "MMClassification_ResNet_50_RSB_A1", TrialState.COMPLETE, null, null, 1, null,
                        null, null, null, null, null, 0.5, 0, List.of(TrialParam.ofChoice("optimizer", "sgd", 0, choices))),
                new TrialInfo(2, 1, 1, "Clarifai_InceptionTransferEmbedNorm", TrialState.COMPLETE, null, null, 1, null,
                        null, null, null, null, null, 0.6, 0, List.of(
                        TrialParam.ofChoice("optimizer", "sgd_with_nesterov_momentum", 1, choices))));
        JsonNode option = JSON.readTree(json(TrialCharts.parallel(trials, Metric.VAL_ACCURACY)));

        JsonNode template = option.at("/parallelAxis/0");
        assertThat(template.at("/axisLabel/align").asText()).isEqualTo("right");
        assertThat(template.at("/axisLabel/margin").asInt()).as("anchor left of the axis").isNegative();
        assertThat(template.at("/axisLabel/lineHeight").asInt()).isPositive();
        assertThat(template.get("data")).extracting(JsonNode::asText)
                .containsExactly("Clarifai_Inception\nTransferEmbedNorm", "MMClassification_\nResNet_50_RSB_A1");
        // the margin holds the longest line ("TransferEmbedNorm", 17 characters of 11 px text)
        assertThat(option.at("/parallel/left").asInt()).isGreaterThanOrEqualTo(17 * 6 + 8);
        // rows give the template as its category's index: the label is no longer the name
        assertThat(option.at("/series/0/data/0/0").asInt()).isEqualTo(1);
        assertThat(option.at("/series/0/data/1/0").asInt()).isEqualTo(0);

        JsonNode optimizer = option.at("/parallelAxis/1");
        assertThat(optimizer.at("/axisLabel/overflow").asText()).isEqualTo("truncate");
        // ends before the next axis in a 530 px chart (two charts a row in a 1400 px window), past the 8 px label margin
        int spacing = (530 - option.at("/parallel/left").asInt() - option.at("/parallel/right").asInt()) / 2;
        assertThat(optimizer.at("/axisLabel/width").asInt()).isBetween(5 * 6, spacing - 8);
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
