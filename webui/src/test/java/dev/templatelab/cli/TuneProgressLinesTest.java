package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code tune}'s live progress lines stop for good before Ctrl-C's "interrupted" message, which comes last. */
class TuneProgressLinesTest {

    @Test
    void theMessageComesLastAndNoLineFollowsIt() {
        StringWriter printed = new StringWriter();
        PrintWriter out = new PrintWriter(printed);
        TuneCommand.ProgressLines lines = new TuneCommand.ProgressLines(out);
        assertThat(lines.print("[   1s] trials 0/4 done")).isTrue();
        assertThat(lines.stopped()).isFalse();

        lines.stopThen(() -> {
            assertThat(lines.stopped()).as("stopped before the message").isTrue();
            out.println("interrupted: experiment 1");
        });

        assertThat(lines.print("[   2s] trials 1/4 done")).as("printed after the message").isFalse();
        assertThat(lines.stopped()).isTrue();
        assertThat(printed.toString().lines()).containsExactly("[   1s] trials 0/4 done", "interrupted: experiment 1");
    }
}
