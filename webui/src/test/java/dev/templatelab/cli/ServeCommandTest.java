package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code templatelab serve}: registered, documented, and bad options refused before anything starts. */
class ServeCommandTest {

    @RegisterExtension
    final CapturedOutput output = new CapturedOutput();

    @Test
    void helpDescribesPortWorkersAndTheAdminPassword() {
        assertThat(TemplateLabCli.run("serve", "--help")).isZero();
        assertThat(output.out()).contains("--port", "--workers", "TEMPLATELAB_ADMIN_PASSWORD");
    }

    @Test
    void aBadPortIsAnErrorMessageNotAStart() {
        assertThat(TemplateLabCli.run("serve", "--port", "70000")).isEqualTo(2);
        assertThat(output.err()).contains("error: --port must be 0-65535, got 70000");
    }

    @Test
    void negativeWorkersAreRefused() {
        assertThat(TemplateLabCli.run("serve", "--workers", "-1")).isEqualTo(2);
        assertThat(output.err()).contains("--workers must be >= 0");
    }
}
