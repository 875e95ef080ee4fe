package dev.templatelab.training.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The command line's import progress: how far it got, no oftener than asked, and the stop it passes on. */
class ImportProgressTest {

    @Test
    void printsHowFarTheImportGot() {
        StringWriter out = new StringWriter();
        ImportProgress progress = ImportProgress.printing(new PrintWriter(out), Duration.ZERO, () -> false);

        progress.progressed(ImportProgress.Phase.EXTRACTING, 1200, 50000);
        progress.progressed(ImportProgress.Phase.CHECKING, 12000, 50000);

        assertThat(out.toString().lines()).containsExactly("extracting: 1,200 of 50,000 files",
                "checking images: 12,000 of 50,000 files");
    }

    @Test
    void aQuickImportPrintsNothing() {
        StringWriter out = new StringWriter();
        ImportProgress progress = ImportProgress.printing(new PrintWriter(out), Duration.ofMinutes(10), () -> false);

        for (int i = 0; i <= 100; i++) {
            progress.progressed(ImportProgress.Phase.CHECKING, i, 100);
        }

        assertThat(out.toString()).isEmpty();
    }

    @Test
    void stopsWhenTheCallerSaysSo() {
        AtomicBoolean stop = new AtomicBoolean();
        ImportProgress progress = ImportProgress.printing(new PrintWriter(new StringWriter()), Duration.ZERO, stop::get);

        assertThat(progress.stopRequested()).isFalse();
        stop.set(true);
        assertThat(progress.stopRequested()).isTrue();
        assertThat(ImportProgress.NONE.stopRequested()).isFalse();
    }
}
