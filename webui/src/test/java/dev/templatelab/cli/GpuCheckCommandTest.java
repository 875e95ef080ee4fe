package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CI has no GPU: the check must say so plainly, and its training path must work when allowed on the CPU. */
class GpuCheckCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeEach
    void capture() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    void onTheCpuBackendItNamesTheBackendAndExplainsHowToGetTheGpuBuild() {
        int code = TemplateLabCli.run("gpu-check");
        assertThat(code).isEqualTo(GpuCheckCommand.NO_GPU);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("backend  CPU").contains("oneDNN helpers on");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("CPU backend").contains("-Pcuda");
    }

    @Test
    void withAllowCpuItTrainsATemplateAndReportsImagesPerSecond() {
        int code = TemplateLabCli.run("gpu-check", "--allow-cpu", "--template", "Clarifai_InceptionV2",
                "--size", "32", "--batch", "2", "--steps", "2", "--width-multiplier", "0.25");
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(printed).containsPattern("train +\\d+\\.\\d+ img/s").containsPattern("infer +\\d+\\.\\d+ img/s")
                .contains("ok: the template trains on this backend");
    }

    @Test
    void badOptionsAreRejected() {
        assertThat(TemplateLabCli.run("gpu-check", "--allow-cpu", "--steps", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--steps");
    }
}
