package dev.templatelab.web.api;

import dev.templatelab.storage.artifacts.ArtifactOutsideStoreException;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.transfer.exports.TorchExport;
import dev.templatelab.web.experiments.BestCheckpoints;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Checkpoints for PyTorch: a zip of the network as a safetensors state dict and {@code templatelab_torch.py}, which
 * builds it ({@link TorchExport}, as {@code templatelab export} writes them), made on request from the stored
 * checkpoint after its SHA-256 is checked.
 */
@RestController
public class PytorchDownloads {

    /** Header carrying the SHA-256 (hex) of the checkpoint the export was made from. */
    public static final String SOURCE_CHECKSUM_HEADER = "X-Source-Checkpoint-SHA256";

    private static final Logger log = LoggerFactory.getLogger(PytorchDownloads.class);

    /** Each export holds a whole network in memory: one at a time, so a burst of clicks cannot exhaust the heap. */
    private static final Semaphore EXPORTS = new Semaphore(1);
    private static final long WAIT_SECONDS = 120;

    private final BestCheckpoints best;
    private final CheckpointService checkpoints;

    PytorchDownloads(BestCheckpoints best, CheckpointService checkpoints) {
        this.best = best;
        this.checkpoints = checkpoints;
    }

    @ApiResponse(responseCode = "200", description = "a zip: <name>.safetensors and templatelab_torch.py "
            + "(X-Checksum-SHA256: the zip's; X-Source-Checkpoint-SHA256: the checkpoint's)", content = @Content(
            mediaType = "application/zip", schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "404", description = "no checkpoint yet, or the experiment ended without one")
    @ApiResponse(responseCode = "500", description = "the checkpoint no longer matches its SHA-256 or cannot be read")
    @ApiResponse(responseCode = "503", description = "other exports kept the server busy for two minutes; try again")
    @Operation(summary = "The best checkpoint for PyTorch: safetensors state dict + templatelab_torch.py, zipped",
            description = "The same checkpoint as best-checkpoint, exported as 'templatelab export' does")
    @GetMapping({"/api/experiments/{id}/best-checkpoint/pytorch", "/download/experiments/{id}/best-checkpoint/pytorch"})
    public ResponseEntity<?> bestCheckpoint(@PathVariable long id, HttpServletResponse response) throws IOException {
        var download = best.ofExperiment(id);
        if (download.isEmpty()) {
            return ApiErrors.error(HttpStatus.NOT_FOUND, best.whyNone(id));
        }
        return export(download.get(), response);
    }

    @ApiResponse(responseCode = "200", description = "a zip: <name>.safetensors and templatelab_torch.py", content =
            @Content(mediaType = "application/zip", schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "404", description = "no such checkpoint")
    @ApiResponse(responseCode = "500", description = "the checkpoint no longer matches its SHA-256 or cannot be read")
    @ApiResponse(responseCode = "503", description = "other exports kept the server busy for two minutes; try again")
    @Operation(summary = "One checkpoint of a trial for PyTorch: safetensors state dict + templatelab_torch.py, zipped")
    @GetMapping({"/api/trials/{trialId}/checkpoints/{checkpointId}/pytorch",
            "/download/trials/{trialId}/checkpoints/{checkpointId}/pytorch"})
    public ResponseEntity<?> checkpoint(@PathVariable long trialId, @PathVariable long checkpointId,
                                        HttpServletResponse response) throws IOException {
        return export(best.byId(checkpointId, trialId), response);
    }

    private ResponseEntity<?> export(BestCheckpoints.Download download, HttpServletResponse response) throws IOException {
        var checkpoint = download.checkpoint();
        String base = download.fileName().replaceFirst("\\.tlckpt$", "");
        Path work = Files.createTempDirectory("templatelab-export-");
        try {
            Path source = work.resolve("checkpoint.tlckpt");
            try (InputStream in = checkpoints.open(checkpoint.id())) {    // checks the SHA-256 (500 if it differs)
                Files.copy(in, source);
            } catch (ArtifactOutsideStoreException e) {
                return CheckpointDownloads.outsideStore(checkpoint, e);
            }
            TorchExport.Exported exported;
            if (!EXPORTS.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
                return ApiErrors.error(HttpStatus.SERVICE_UNAVAILABLE, "other PyTorch exports kept the server busy for "
                        + WAIT_SECONDS + " s; try again in a minute");
            }
            try {
                exported = TorchExport.export(source, work.resolve("out").resolve(base + TorchExport.EXTENSION));
            } catch (IOException | RuntimeException e) {
                log.warn("PyTorch export failed checkpoint={} trial={} error=\"{}\"", checkpoint.id(),
                        checkpoint.trialId(), e.getMessage());
                return ApiErrors.error(HttpStatus.INTERNAL_SERVER_ERROR, "checkpoint " + checkpoint.id() + " of trial "
                        + checkpoint.trialId() + " could not be exported for PyTorch: " + e.getMessage()
                        + "; download the checkpoint itself and run 'templatelab export' on it to see more");
            } finally {
                EXPORTS.release();
            }
            Path zip = work.resolve(base + "-pytorch.zip");
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
                for (Path file : new Path[] {exported.weights(), exported.module()}) {
                    out.putNextEntry(new ZipEntry(file.getFileName().toString()));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
            HttpHeaders headers = new HttpHeaders();
            headers.set(CheckpointDownloads.CHECKSUM_HEADER, Checkpoints.sha256(zip));
            headers.set(SOURCE_CHECKSUM_HEADER, checkpoint.sha256());
            if (download.fromCancelledTrial()) {
                headers.set(CheckpointDownloads.TRIAL_STATE_HEADER, TrialState.CANCELLED.name());
            }
            headers.setContentDisposition(ContentDisposition.attachment().filename(zip.getFileName().toString()).build());
            headers.set(HttpHeaders.CONTENT_TYPE, "application/zip");
            headers.forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
            response.setStatus(HttpServletResponse.SC_OK);
            response.setContentLengthLong(Files.size(zip));
            try (OutputStream body = response.getOutputStream()) {
                Files.copy(zip, body);
            }
            return null;   // answered
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ApiErrors.error(HttpStatus.SERVICE_UNAVAILABLE, "the server is shutting down; try again");
        } finally {
            deleteQuietly(work);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete the export's temporary folder {}: {}", dir, e.getMessage());
        }
    }
}
