package dev.templatelab.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code templatelab serve}: registered, documented, and bad options refused before anything starts. */
class ServeCommandTest {

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
    void helpDescribesPortWorkersAndTheAdminPassword() {
        assertThat(TemplateLabCli.run("serve", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--port", "--workers", "TEMPLATELAB_ADMIN_PASSWORD");
    }

    @Test
    void aBadPortIsAnErrorMessageNotAStart() {
        assertThat(TemplateLabCli.run("serve", "--port", "70000")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("error: --port must be 0-65535, got 70000");
    }

    @Test
    void negativeWorkersAreRefused() {
        assertThat(TemplateLabCli.run("serve", "--workers", "-1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--workers must be >= 0");
    }
}
