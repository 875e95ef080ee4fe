package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.web.security.FirstAdmin;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code templatelab serve}: registered, documented, bad options refused before anything starts, and a start that
 * fails is one {@code error:} line saying what to do, not Spring's report and stack traces.
 */
class ServeCommandTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final TemporaryUserHome home = new TemporaryUserHome(() -> dir);   // the embedded database inside dir

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

    @Test
    void aPortInUseIsOneErrorLineNamingThePortAndHowToPickAnother() throws Exception {
        String level = System.clearProperty(ServeCommand.TUNING_LOG_LEVEL);
        String dateTime = System.clearProperty(ServeCommand.SHOW_DATE_TIME);
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            assertThat(TemplateLabCli.run("serve", "--port", String.valueOf(port), "--workers", "0")).isEqualTo(1);
            assertThat(output.err().lines().filter(l -> l.startsWith("error:")).toList()).singleElement()
                    .asString().contains("port " + port + " is already in use", "--port", "SERVER_PORT");
            assertFailedStartIsShort(output.err());
            // Serve set its workers' trial lines to info before it started them (the start failing later).
            assertThat(LoggerFactory.getLogger("dev.templatelab.tuning.ServeCommandTest").isInfoEnabled())
                    .as("a dev.templatelab.tuning logger made after serve started").isTrue();
            // ... and asked for dates and times on every line (slf4j-simple reads that once per JVM, so a process of
            // its own shows it: ScaleOutTest's worker logs, which the same method configures)
            assertThat(System.getProperty(ServeCommand.SHOW_DATE_TIME)).isEqualTo("true");
        } finally {
            restore(ServeCommand.TUNING_LOG_LEVEL, level);
            restore(ServeCommand.SHOW_DATE_TIME, dateTime);
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    @Test
    void aTooShortAdminPasswordIsOneErrorLineNamingTheVariable() {
        System.setProperty(FirstAdmin.PASSWORD_VARIABLE, "short");   // Spring reads it as it reads the variable
        try {
            assertThat(TemplateLabCli.run("serve", "--port", "0", "--workers", "0")).isEqualTo(2);
        } finally {
            System.clearProperty(FirstAdmin.PASSWORD_VARIABLE);
        }
        assertThat(output.err().lines().filter(l -> l.startsWith("error:")).toList()).singleElement().asString()
                .startsWith("error: TEMPLATELAB_ADMIN_PASSWORD must have at least 8 characters");
        assertFailedStartIsShort(output.err());
    }

    /**
     * No stack trace, no Spring report ("APPLICATION FAILED TO START", "Application run failed", the context's warning
     * with the whole chain of causes): a few lines.
     */
    private static void assertFailedStartIsShort(String err) {
        assertThat(err).doesNotContain("\tat ", "Caused by", "APPLICATION FAILED TO START", "Application run failed",
                "Exception encountered during context initialization");
        assertThat(err.lines().count()).as("lines on stderr:%n%s", err).isLessThan(10);
    }
}
