package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.architectures.TemplateRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TemplateLabCliTest {

    @RegisterExtension
    final CapturedOutput output = new CapturedOutput();

    @Test
    void templatesJsonListsEveryTemplateWithItsSize() throws Exception {
        int code = TemplateLabCli.run("templates", "--classes", "10", "--size", "64", "--width-multiplier", "0.25", "--json");
        assertThat(code).isZero();
        JsonNode rows = new ObjectMapper().readTree(output.out());
        List<String> names = new ArrayList<>();
        rows.forEach(r -> {
            names.add(r.get("name").asText());
            assertThat(r.get("params").asLong()).isPositive();
            assertThat(r.get("macs").asLong()).isPositive();
            assertThat(r.get("backboneBlocks").get(0).asText()).isEqualTo("stem");
        });
        assertThat(names).containsExactlyElementsOf(TemplateRegistry.standard().names());
    }

    @Test
    void publishedSizesAtOneThousandClasses() throws Exception {
        assertThat(TemplateLabCli.run("templates", "--json")).isZero();
        JsonNode rows = new ObjectMapper().readTree(output.out());
        assertThat(rows.get(0).get("name").asText()).isEqualTo("MMClassification_ResNet_50_RSB_A1");
        assertThat(rows.get(0).get("params").asLong()).isEqualTo(25_557_032L);
        assertThat(rows.get(0).get("macs").asLong()).isEqualTo(4_089_184_256L);
    }

    @Test
    void badSizeIsAClearErrorNotAStackTrace() {
        int code = TemplateLabCli.run("templates", "--size", "8");
        assertThat(code).isEqualTo(2);
        assertThat(output.err()).contains("error: input must be at least 32x32 pixels, got 8x8")
                .doesNotContain("Exception");
    }

    @Test
    void unknownTemplateListsTheKnownOnes() {
        int code = TemplateLabCli.run("bench", "--template", "ResNet9000");
        assertThat(code).isEqualTo(2);
        assertThat(output.err()).contains("unknown template 'ResNet9000'")
                .contains("Clarifai_ResNext");
    }

    @Test
    void anUnknownPrecisionNamesTheKnownOnesBeforeAnythingRuns() {
        int code = TemplateLabCli.run("bench", "--template", "Clarifai_InceptionV2", "--precision", "bf8");
        assertThat(code).isEqualTo(2);
        assertThat(output.err()).contains("precision must be one of [float32, bfloat16], got 'bf8'")
                .doesNotContain("Exception");
        assertThat(output.out()).doesNotContain("img/s");
    }

    @Test
    void benchMeasuresASmallTemplate() throws Exception {
        int code = TemplateLabCli.run("bench", "--template", "Clarifai_InceptionV2", "--size", "64",
                "--width-multiplier", "0.25", "--classes", "10", "--batch", "4", "--warmup", "2", "--iterations", "5", "--json", "--pipeline", "--pipeline-seconds", "1");
        assertThat(code).isZero();
        JsonNode r = new ObjectMapper().readTree(output.out());
        assertThat(r.get("template").asText()).isEqualTo("Clarifai_InceptionV2");
        assertThat(r.get("train").asDouble()).isPositive();
        assertThat(r.get("infer").asDouble()).isGreaterThan(r.get("train").asDouble());
        assertThat(r.get("gflops").asDouble()).isPositive();
        assertThat(r.get("peakGflops").asDouble()).isGreaterThan(r.get("gflops").asDouble())
                .isEqualTo(Math.max(r.get("peakGflopsByLibrary").get("nd4j").asDouble(),
                        r.get("peakGflopsByLibrary").get("oneDnn").asDouble()));
        assertThat(r.get("fractionOfPeak").asDouble()).isBetween(0.0, 1.0);
        assertThat(r.get("pipeline").get("oneThread").asDouble()).isPositive();
        assertThat(r.get("pipeline").get("allThreads").asDouble()).isPositive();
        assertThat(r.get("backend").get("backend").asText()).isEqualTo("CPU");
        assertThat(r.get("backend").get("oneDnnHelpers").asBoolean()).isTrue();
    }

    @Test
    void pretrainNeedsEitherDataOrAKerasFile() {
        int code = TemplateLabCli.run("pretrain", "--template", "Clarifai_ResNext", "--name", "x");
        assertThat(code).isEqualTo(2);
        assertThat(output.err()).contains("error: give exactly one of --data (train on a dataset) or --keras");
    }
}
