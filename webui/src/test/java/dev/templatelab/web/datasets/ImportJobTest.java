package dev.templatelab.web.datasets;

import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.training.data.DatasetException;
import dev.templatelab.training.data.ImportProgress;
import dev.templatelab.training.data.ImportProgress.Phase;
import dev.templatelab.training.data.ImportStoppedException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One background import's progress, stop request and outcome, driven by a scripted import. */
class ImportJobTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void reportsEachStepWithItsCountsAndThenTheDataset() {
        ImportJob job = new ImportJob(7, "pets", "pets.zip", CLOCK);
        List<ImportJob.Status> seen = new ArrayList<>();
        seen.add(job.status());
        job.run(progress -> {
            progress.progressed(Phase.EXTRACTING, 3, 10);
            seen.add(job.status());
            progress.progressed(Phase.CHECKING, 4, 9);
            seen.add(job.status());
            progress.progressed(Phase.CHECKING, 9, 9);
            seen.add(job.status());
            assertThat(progress.mayKeep()).isTrue();
            seen.add(job.status());
            return imported(42);
        });

        assertThat(seen).extracting(ImportJob.Status::step).containsExactly(ImportJob.Step.STARTING,
                ImportJob.Step.EXTRACTING, ImportJob.Step.CHECKING, ImportJob.Step.CHECKING, ImportJob.Step.REGISTERING);
        assertThat(seen).extracting(ImportJob.Status::done).containsExactly(0, 3, 4, 9, 9);
        assertThat(seen).extracting(ImportJob.Status::total).containsExactly(0, 10, 9, 9, 9);
        assertThat(seen).extracting(ImportJob.Status::state).containsOnly(ImportJob.State.RUNNING);
        ImportJob.Status end = job.status();
        assertThat(end.state()).isEqualTo(ImportJob.State.SUCCEEDED);
        assertThat(end.imported().dataset().id()).isEqualTo(42);
        assertThat(end.endedAt()).isEqualTo(CLOCK.instant());
        assertThat(end.error()).isNull();
    }

    @Test
    void aStopIsSeenByTheImportWhichThenEndsStopped() {
        ImportJob job = new ImportJob(1, "pets", "pets.zip", CLOCK);
        ImportProgress progress = job.progress();
        progress.progressed(Phase.CHECKING, 2, 9);
        assertThat(progress.stopRequested()).isFalse();

        assertThat(job.requestStop().stopRequested()).isTrue();
        assertThat(progress.stopRequested()).isTrue();
        job.run(p -> {
            if (p.stopRequested()) {
                throw new ImportStoppedException("stopped while reading pets.zip");
            }
            return imported(1);
        });

        assertThat(job.status().state()).isEqualTo(ImportJob.State.STOPPED);
        assertThat(job.status().imported()).isNull();
        assertThatThrownBy(job::requestStop).isInstanceOf(ImportJob.TooLateToStopException.class)
                .hasMessageContaining("already ended (STOPPED)");
    }

    @Test
    void aStopAskedWhileTheLastImageIsReadStillStopsIt() {
        ImportJob job = new ImportJob(5, "pets", "pets.zip", CLOCK);
        ImportProgress progress = job.progress();
        progress.progressed(Phase.CHECKING, 9, 9);
        assertThat(job.requestStop().stopRequested()).isTrue();
        assertThat(progress.mayKeep()).isFalse();
        assertThat(job.status().step()).isEqualTo(ImportJob.Step.CHECKING);

        ImportJob empty = new ImportJob(6, "pets", "pets.zip", CLOCK);
        empty.progress().progressed(Phase.CHECKING, 0, 0);   // no usable image: it fails, it does not save
        assertThat(empty.requestStop().stopRequested()).isTrue();
    }

    @Test
    void aStopIsRefusedOnceTheImportMayKeepItsResultOrEnded() {
        ImportJob saving = new ImportJob(2, "pets", "pets.zip", CLOCK);
        saving.progress().progressed(Phase.CHECKING, 9, 9);
        assertThat(saving.progress().mayKeep()).isTrue();
        assertThatThrownBy(saving::requestStop).isInstanceOf(ImportJob.TooLateToStopException.class)
                .hasMessageContaining("saving the dataset, which cannot be stopped");
        assertThat(saving.progress().stopRequested()).isFalse();

        ImportJob done = new ImportJob(3, "pets", "pets.zip", CLOCK);
        done.run(p -> imported(42));
        assertThatThrownBy(done::requestStop).isInstanceOf(ImportJob.TooLateToStopException.class)
                .hasMessageContaining("already ended (SUCCEEDED); delete the dataset instead: DELETE /api/datasets/42");
    }

    @Test
    void aFailureKeepsItsMessage() {
        ImportJob job = new ImportJob(4, "pets", "pets.zip", CLOCK);
        job.run(p -> {
            throw new DatasetException("'pets.zip' has no class folders");
        });
        assertThat(job.status().state()).isEqualTo(ImportJob.State.FAILED);
        assertThat(job.status().error()).isEqualTo("'pets.zip' has no class folders");
        assertThat(job.status().endedAt()).isEqualTo(CLOCK.instant());
    }

    private static DatasetImports.Imported imported(long id) {
        return new DatasetImports.Imported(new DatasetInfo(id, "pets", List.of("cat", "dog"), 6,
                Map.of("cat", 3, "dog", 3), "hash", URI.create("file:///tmp/pets"), CLOCK.instant(), null,
                List.of("a warning")),
                List.of("a warning"));
    }
}
