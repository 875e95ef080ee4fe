package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the command line prints to {@code System.out} and {@code System.err}, captured so tests can assert on it.
 * For a whole test: {@code @RegisterExtension final CapturedOutput output = new CapturedOutput();} then
 * {@link #out()} and {@link #err()}. For one command: {@link #run(String...)} or {@link #succeeds(String...)}.
 * The original streams are always put back, also when the command throws.
 */
final class CapturedOutput implements BeforeEachCallback, AfterEachCallback {

    /** One command's exit code and everything it printed. */
    record Run(int code, String out, String err) {
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    /** Runs {@code templatelab args...} with its output captured. */
    static Run run(String... args) {
        CapturedOutput output = new CapturedOutput();
        output.start();
        try {
            int code = TemplateLabCli.run(args);
            return new Run(code, output.out(), output.err());
        } finally {
            output.stop();
        }
    }

    /** Runs {@code templatelab args...} and returns its stdout; fails, showing the command and both streams, unless it exits 0. */
    static String succeeds(String... args) {
        Run r = run(args);
        assertThat(r.code()).as("exit code of %s%nstdout: %s%nstderr: %s", String.join(" ", args), r.out(), r.err()).isZero();
        return r.out();
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stop();
    }

    private void start() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private void stop() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }
}
