package dev.templatelab.training.fit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Progress where no terminal redraws a bar: a log file or pipe still hears from a long epoch. */
class ProgressPrinterTest {

    @Test
    void offATerminalALongEpochPrintsAPlainLineEveryInterval() {
        StringWriter text = new StringWriter();
        ProgressPrinter printer = new ProgressPrinter(new PrintWriter(text), false, Duration.ZERO);
        printer.onBatch(null, new BatchProgress(0, 3, 1, 10, 2.5, 100, 1.0));   // starts the clock
        printer.onBatch(null, new BatchProgress(0, 3, 2, 10, 2.25, 100, 2.0));
        printer.onBatch(null, new BatchProgress(0, 3, 10, 10, 2.0, 100, 10.0));   // the epoch's summary says it
        assertThat(text.toString()).isEqualTo("epoch 1/3 batch 2/10  loss 2.2500  100.0 img/s  epoch ETA 00:08\n")
                .doesNotContain("\r");
    }

    @Test
    void offATerminalAShortEpochPrintsNoBatchLines() {
        StringWriter text = new StringWriter();
        ProgressPrinter printer = new ProgressPrinter(new PrintWriter(text), false);   // a line every 30 s
        for (int batch = 1; batch <= 10; batch++) {
            printer.onBatch(null, new BatchProgress(0, 1, batch, 10, 1.0, 100, batch));
        }
        assertThat(text.toString()).isEmpty();
    }
}
