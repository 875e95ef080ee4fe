package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CI has no GPU: the check must say so plainly, and its training path must work when allowed on the CPU. */
class GpuCheckCommandTest {

    @RegisterExtension
    final CapturedOutput output = new CapturedOutput();

    @Test
    void onTheCpuBackendItNamesTheBackendAndExplainsHowToGetTheGpuBuild() {
        int code = TemplateLabCli.run("gpu-check");
        assertThat(code).isEqualTo(GpuCheckCommand.NO_GPU);
        assertThat(output.out()).startsWith("backend  CPU").contains("oneDNN helpers on");
        assertThat(output.err()).contains("CPU backend").contains("-Pcuda");
    }

    @Test
    void withAllowCpuItTrainsATemplateAndReportsImagesPerSecond() {
        int code = TemplateLabCli.run("gpu-check", "--allow-cpu", "--template", "Clarifai_InceptionV2",
                "--size", "32", "--batch", "2", "--steps", "2", "--width-multiplier", "0.25");
        String printed = output.out();
        assertThat(code).as(output.err()).isZero();
        assertThat(printed).containsPattern("train +\\d+\\.\\d+ img/s").containsPattern("infer +\\d+\\.\\d+ img/s")
                .contains("ok: the template trains on this backend");
    }

    @Test
    void badOptionsAreRejected() {
        assertThat(TemplateLabCli.run("gpu-check", "--allow-cpu", "--steps", "0")).isEqualTo(2);
        assertThat(output.err()).contains("--steps");
    }
}
