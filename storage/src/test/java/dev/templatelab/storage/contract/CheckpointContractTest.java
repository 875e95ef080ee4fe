package dev.templatelab.storage.contract;

import dev.templatelab.storage.IllegalTransitionException;
import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.ArtifactIntegrityException;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.experiments.DeletedExperiment;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.trials.TrialLease;
import dev.templatelab.storage.trials.TrialResult;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointContractTest extends StorageContractTest {

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String read(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The suite's context recorded its store's id when it started (ArtifactStoreIdentity): in the database and the folder. */
    @Test
    void theStoresIdIsRecordedAtStartInTheDatabaseAndInTheFolder() throws IOException {
        String recorded = jdbc.queryForObject("SELECT store_id FROM artifact_store", String.class);

        assertThat(Files.readString(HOME.resolve("artifacts").resolve("templatelab-store-id")).trim()).isEqualTo(recorded);
    }

    @Test
    void saveListOpenAndTheBestFlagMoves() throws IOException {
        TrialLease lease = trials.claimNext(newExperiment(1).id(), "w").orElseThrow().lease();

        CheckpointInfo e0 = checkpoints.save(lease.trialId(), 0, bytes("weights after epoch 0"), true);
        CheckpointInfo e1 = checkpoints.save(lease.trialId(), 1, bytes("weights after epoch 1"), false);
        CheckpointInfo e2 = checkpoints.save(lease.trialId(), 2, bytes("weights after epoch 2"), true);

        assertThat(e0.uri().getPath()).startsWith(HOME.resolve("artifacts").toString());
        // Files are named by the epoch's 1-based number, as the API, UI and logs count (rows keep the 0-based index).
        assertThat(Path.of(e0.uri()).getFileName().toString()).startsWith("epoch-0001-");
        assertThat(Path.of(e2.uri()).getFileName().toString()).startsWith("epoch-0003-");
        assertThat(e0.sizeBytes()).isEqualTo(21);
        assertThat(e0.sha256()).hasSize(64);
        assertThat(checkpoints.list(lease.trialId())).extracting(CheckpointInfo::epoch).containsExactly(0, 1, 2);
        assertThat(checkpoints.best(lease.trialId())).map(CheckpointInfo::id).contains(e2.id());
        assertThat(checkpoints.list(lease.trialId())).filteredOn(CheckpointInfo::best).hasSize(1);
        assertThat(checkpoints.latest(lease.trialId())).map(CheckpointInfo::id).contains(e2.id());
        assertThat(read(checkpoints.open(e1.id()))).isEqualTo("weights after epoch 1");

        checkpoints.markBest(e1.id());
        assertThat(checkpoints.best(lease.trialId())).map(CheckpointInfo::epoch).contains(1);
        assertThat(checkpoints.list(lease.trialId())).filteredOn(CheckpointInfo::best).hasSize(1);
    }

    @Test
    void savingAnEpochAgainReplacesItsFile() throws IOException {
        TrialLease lease = trials.claimNext(newExperiment(1).id(), "w").orElseThrow().lease();
        Path source = Files.writeString(Files.createTempFile("ckpt", ".bin"), "first run");
        CheckpointInfo first = checkpoints.save(lease.trialId(), 3, source, false);

        CheckpointInfo again = checkpoints.save(lease.trialId(), 3, bytes("second run"), false);

        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.uri()).isNotEqualTo(first.uri());
        assertThat(Path.of(first.uri())).doesNotExist();
        assertThat(read(checkpoints.open(again.id()))).isEqualTo("second run");
        assertThat(checkpoints.list(lease.trialId())).hasSize(1);
        Files.delete(source);
    }

    /** Whether a worker carried out the pruner's verdict on the epoch: set with the save or after it, and kept. */
    @Test
    void theVerdictMarkIsKeptWhenTheEpochIsSavedAgain() throws IOException {
        TrialLease lease = trials.claimNext(newExperiment(1).id(), "w").orElseThrow().lease();
        Path source = Files.writeString(Files.createTempFile("ckpt", ".bin"), "epoch 0");
        assertThat(checkpoints.save(lease.trialId(), 0, source, false).judged()).isFalse();
        assertThat(checkpoints.save(lease.trialId(), 0, source, false, true).judged()).isTrue();
        assertThat(checkpoints.save(lease.trialId(), 0, source, true).judged()).as("a later save without it").isTrue();

        assertThat(checkpoints.save(lease.trialId(), 1, source, false).judged()).isFalse();
        checkpoints.markJudged(lease.trialId(), 1);
        assertThat(checkpoints.latest(lease.trialId()).orElseThrow().judged()).isTrue();
        checkpoints.markJudged(lease.trialId(), 7);   // no checkpoint of that epoch: nothing to mark
        assertThat(checkpoints.list(lease.trialId())).extracting(CheckpointInfo::epoch).containsExactly(0, 1);
        Files.delete(source);
    }

    /** A hold marks its epoch's checkpoint in the same transaction; a refused hold marks nothing. */
    @Test
    void aHoldRecordsItsVerdictOnTheEpochsCheckpoint() {
        ExperimentInfo e = newExperiment(2);
        TrialLease held = trials.claimNext(e.id(), "w").orElseThrow().lease();
        checkpoints.save(held.trialId(), 0, bytes("rung"), true);
        TrialLease stale = trials.claimNext(e.id(), "w").orElseThrow().lease();
        checkpoints.save(stale.trialId(), 0, bytes("rung"), true);
        trials.complete(stale, TrialResult.of(0.7));   // the lease is gone: a hold through it is refused

        trials.hold(held, TrialResult.of(0.5), 0);
        assertThatThrownBy(() -> trials.hold(stale, TrialResult.of(0.5), 0)).isInstanceOf(IllegalTransitionException.class);

        assertThat(checkpoints.latest(held.trialId()).orElseThrow().judged()).isTrue();
        assertThat(checkpoints.latest(stale.trialId()).orElseThrow().judged()).as("rolled back with the hold").isFalse();
    }

    @Test
    void aCorruptedCheckpointIsRefusedOnRead() throws IOException {
        TrialLease lease = trials.claimNext(newExperiment(1).id(), "w").orElseThrow().lease();
        CheckpointInfo saved = checkpoints.save(lease.trialId(), 0, bytes("good weights"), true);
        Files.writeString(Path.of(saved.uri()), "bit rot");

        assertThatThrownBy(() -> checkpoints.open(saved.id()))
                .isInstanceOf(ArtifactIntegrityException.class)
                .hasMessageContaining(saved.sha256());
    }

    /** Deleting a finished experiment removes its rows and every file under experiments/<id>; its dataset is then free. */
    @Test
    void deletingAFinishedExperimentRemovesItsTrialsCheckpointsAndFiles() throws IOException {
        ExperimentInfo e = newExperiment(2);
        TrialLease lease = trials.claimNext(e.id(), "w").orElseThrow().lease();
        trials.reportEpoch(lease.trialId(), new EpochMetrics(0, 1.0, 1.0, 0.5, 0.5, 0.1, 10.0, null));
        trials.flushMetrics();
        CheckpointInfo last = checkpoints.save(lease.trialId(), 0, bytes("epoch 0"), false);
        CheckpointInfo best = checkpoints.save(lease.trialId(), 1, bytes("epoch one"), true);
        Path orphan = Path.of(best.uri()).resolveSibling("left-by-a-crashed-writer.ckpt");
        Files.writeString(orphan, "no row points here");

        assertThatThrownBy(() -> experiments.delete(e.id())).isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("only a finished experiment can be deleted: cancel it first");
        assertThat(Path.of(best.uri())).exists();

        experiments.cancel(e.id());
        DeletedExperiment deleted = experiments.delete(e.id());

        assertThat(deleted).isEqualTo(new DeletedExperiment(e.id(), e.name(), 2, 2, "epoch 0".length() + "epoch one".length()));
        assertThatThrownBy(() -> experiments.get(e.id())).isInstanceOf(NotFoundException.class);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM trials WHERE experiment_id = ?", Long.class, e.id())).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM trial_metrics WHERE trial_id = ?", Long.class,
                lease.trialId())).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM events WHERE experiment_id = ?", Long.class, e.id())).isZero();
        assertThat(Path.of(last.uri())).doesNotExist();
        assertThat(orphan).doesNotExist();
        assertThat(HOME.resolve("artifacts").resolve("experiments").resolve(Long.toString(e.id()))).doesNotExist();
        datasets.delete(e.datasetId());   // no experiment uses it any more
        assertThatThrownBy(() -> experiments.delete(e.id())).isInstanceOf(NotFoundException.class);
    }

    /** Ended trials keep only their best checkpoint; a held trial keeps the one it resumes from. */
    @Test
    void keepOnlyBestTrimsEndedTrialsOnly() {
        ExperimentInfo e = newExperiment(2);
        TrialLease ended = trials.claimNext(e.id(), "w").orElseThrow().lease();
        CheckpointInfo best = checkpoints.save(ended.trialId(), 0, bytes("best"), true);
        CheckpointInfo latest = checkpoints.save(ended.trialId(), 1, bytes("latest"), false);
        trials.complete(ended, TrialResult.of(0.9));
        TrialLease held = trials.claimNext(e.id(), "w").orElseThrow().lease();
        CheckpointInfo resumeFrom = checkpoints.save(held.trialId(), 0, bytes("held"), false);
        trials.hold(held, TrialResult.of(0.5));

        assertThat(checkpoints.keepOnlyBest(e.id())).isEqualTo(1);

        assertThat(checkpoints.list(ended.trialId())).containsExactly(best);
        assertThat(Path.of(latest.uri())).doesNotExist();
        assertThat(checkpoints.list(held.trialId())).containsExactly(resumeFrom);
    }

    @Test
    void deleteRemovesRowAndFile() {
        TrialLease lease = trials.claimNext(newExperiment(1).id(), "w").orElseThrow().lease();
        CheckpointInfo saved = checkpoints.save(lease.trialId(), 0, bytes("w"), false);

        checkpoints.delete(saved.id());

        assertThat(checkpoints.list(lease.trialId())).isEmpty();
        assertThat(Path.of(saved.uri())).doesNotExist();
    }
}
