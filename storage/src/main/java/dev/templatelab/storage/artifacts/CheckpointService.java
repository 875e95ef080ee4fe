package dev.templatelab.storage.artifacts;

import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Trials' checkpoints: the file goes to the {@link ArtifactStore}, its URI, size and SHA-256 to the
 * {@code checkpoints} table; reading verifies the SHA-256. Each write gets a fresh file name, so a
 * checkpoint row never points at a half-replaced file.
 */
@Service
@Transactional
public class CheckpointService {

    private static final Logger log = LoggerFactory.getLogger(CheckpointService.class);

    private final CheckpointRepository checkpoints;
    private final ArtifactStore store;
    private final TrialService trials;
    private final TransactionTemplate transaction;

    CheckpointService(CheckpointRepository checkpoints, ArtifactStore store, TrialService trials,
                      PlatformTransactionManager transactionManager) {
        this.checkpoints = checkpoints;
        this.store = store;
        this.trials = trials;
        this.transaction = new TransactionTemplate(transactionManager);
    }

    /** Stores {@code file} as the checkpoint of a trial's epoch (replacing an earlier one of that epoch). */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public CheckpointInfo save(long trialId, int epoch, Path file, boolean best) {
        return save(trialId, epoch, file, best, false);
    }

    /**
     * {@link #save(long, int, Path, boolean)}, recording whether the worker got the pruner's verdict on that epoch
     * (a mark that, once set for an epoch, stays when its checkpoint is replaced).
     */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public CheckpointInfo save(long trialId, int epoch, Path file, boolean best, boolean judged) {
        try (InputStream in = Files.newInputStream(file)) {
            return save(trialId, epoch, in, best, judged);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read checkpoint file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stores the stream as the checkpoint of a trial's epoch; {@code best} makes it the trial's best
     * checkpoint (the previous best loses the flag). The file is written before the row, outside any
     * transaction, and removed again if the row cannot be written.
     */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public CheckpointInfo save(long trialId, int epoch, InputStream content, boolean best) {
        return save(trialId, epoch, content, best, false);
    }

    private CheckpointInfo save(long trialId, int epoch, InputStream content, boolean best, boolean judged) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        TrialInfo trial = trials.get(trialId);
        // Named by the epoch's 1-based number, as the API, UI and logs count epochs (rows keep the 0-based index).
        String key = "experiments/%d/trials/%d/epoch-%04d-%s.ckpt".formatted(trial.experimentId(), trial.number(),
                epoch + 1, HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        StoredArtifact artifact;
        try {
            artifact = store.put(content, key);
        } catch (IOException e) {
            throw new UncheckedIOException("could not store checkpoint of trial " + trialId + " epoch " + epoch
                    + ": " + e.getMessage(), e);
        }
        try {
            Saved saved = transaction.execute(status -> {
                if (best) {
                    checkpoints.clearBest(trialId);   // before loading: it clears the persistence context
                }
                CheckpointEntity row = checkpoints.findByTrialIdAndEpoch(trialId, epoch)
                        .orElseGet(() -> new CheckpointEntity(trialId, epoch));
                URI replaced = row.uri == null ? null : URI.create(row.uri);
                row.store(artifact, checkpoints.databaseNow());
                row.best |= best;
                row.judged |= judged;
                CheckpointInfo info = checkpoints.saveAndFlush(row).toInfo();
                // Stored after a cancel (the epoch whose metrics came before it): the CANCELLED trial's best epoch and
                // value follow at once, in this transaction, not only when its worker settles it (it may die first).
                return new Saved(info, replaced, trials.settleCancelled(trialId));
            });
            if (saved.replaced != null) {
                deleteQuietly(saved.replaced);
            }
            if (saved.cancelled) {   // nothing resumes a cancelled trial: its other checkpoints go now, not at its settle
                keepOnlyBest(trial.experimentId());
            }
            return saved.info;
        } catch (RuntimeException e) {
            deleteQuietly(artifact.uri());
            throw e;
        }
    }

    /** Records that a worker got the pruner's verdict on a trial's epoch, if that epoch has a checkpoint. */
    public void markJudged(long trialId, int epoch) {
        checkpoints.findByTrialIdAndEpoch(trialId, epoch).ifPresent(row -> row.judged = true);
    }

    /** A trial's checkpoints by epoch. */
    @Transactional(readOnly = true)
    public List<CheckpointInfo> list(long trialId) {
        return checkpoints.findByTrialIdOrderByEpochAsc(trialId).stream().map(CheckpointEntity::toInfo).toList();
    }

    /** The trial's best checkpoint, if one was marked. */
    @Transactional(readOnly = true)
    public Optional<CheckpointInfo> best(long trialId) {
        return checkpoints.findByTrialIdAndBestTrue(trialId).map(CheckpointEntity::toInfo);
    }

    /** The trial's checkpoint with the highest epoch: where a re-queued trial resumes. */
    @Transactional(readOnly = true)
    public Optional<CheckpointInfo> latest(long trialId) {
        return checkpoints.findFirstByTrialIdOrderByEpochDesc(trialId).map(CheckpointEntity::toInfo);
    }

    /** Makes this checkpoint its trial's best. */
    public CheckpointInfo markBest(long checkpointId) {
        CheckpointEntity row = find(checkpointId);
        if (!row.best) {
            checkpoints.clearBest(row.trialId);
            row = find(checkpointId);
            row.best = true;
            checkpoints.saveAndFlush(row);
        }
        return row.toInfo();
    }

    /**
     * Opens a checkpoint's content after verifying its SHA-256; a corrupt or replaced file fails with
     * {@link ArtifactIntegrityException}. The caller closes the stream.
     */
    @Transactional(readOnly = true)
    public InputStream open(long checkpointId) throws IOException {
        return store.open(find(checkpointId).artifact());
    }

    /**
     * Deletes the checkpoints of the experiment's ended trials other than each one's best: they were kept only to
     * resume from, and nothing resumes an ended trial (ASHA's held trials pruned at the end, say). Returns how many.
     * Best effort, like deleting a file: a failure is logged and returns 0, as only disk stays taken (the next trim of
     * the experiment, at a trial's end, its completion or its cancel, removes them), and the caller's step stands.
     */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public int keepOnlyBest(long experimentId) {
        List<String> uris;
        try {
            uris = transaction.execute(status -> checkpoints.deleteNotBestOfEndedTrials(experimentId));
        } catch (RuntimeException e) {
            log.warn("could not delete the ended trials' other checkpoints experiment={} error=\"{}\"", experimentId,
                    e.getMessage());
            return 0;
        }
        uris.forEach(uri -> deleteQuietly(URI.create(uri)));   // after the commit: no row points at a missing file
        return uris.size();
    }

    /** Deletes a checkpoint's row and file. */
    public void delete(long checkpointId) {
        CheckpointEntity row = find(checkpointId);
        checkpoints.delete(row);
        checkpoints.flush();
        deleteQuietly(URI.create(row.uri));
    }

    private CheckpointEntity find(long checkpointId) {
        return checkpoints.findById(checkpointId).orElseThrow(() -> new NotFoundException("checkpoint", checkpointId));
    }

    private void deleteQuietly(URI uri) {
        try {
            store.delete(uri);
        } catch (IOException | RuntimeException e) {
            log.warn("Could not delete artifact {}: {}", uri, e.getMessage());
        }
    }

    private record Saved(CheckpointInfo info, URI replaced, boolean cancelled) {
    }
}
