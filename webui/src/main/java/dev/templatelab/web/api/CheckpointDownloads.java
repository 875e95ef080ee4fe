package dev.templatelab.web.api;

import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.web.experiments.BestCheckpoints;
import io.swagger.v3.oas.annotations.Operation;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.InputStreamResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Checkpoint files, for the REST API (basic auth) and the UI's download buttons (session). Files on
 * local disk are served as a file resource, so Spring answers HTTP Range requests (resumable
 * downloads of large models) without reading the whole file; the SHA-256 is checked before serving
 * and sent as {@code X-Checksum-SHA256}.
 */
@RestController
public class CheckpointDownloads {

    /** Header carrying the file's SHA-256 (hex). */
    public static final String CHECKSUM_HEADER = "X-Checksum-SHA256";

    private final BestCheckpoints best;
    private final CheckpointService checkpoints;

    CheckpointDownloads(BestCheckpoints best, CheckpointService checkpoints) {
        this.best = best;
        this.checkpoints = checkpoints;
    }

    @Operation(summary = "The best checkpoint of the experiment's best trial (HTTP Range supported)")
    @GetMapping({"/api/experiments/{id}/best-checkpoint", "/download/experiments/{id}/best-checkpoint"})
    public ResponseEntity<?> bestCheckpoint(@PathVariable long id) throws IOException {
        var download = best.ofExperiment(id);
        if (download.isEmpty()) {
            return ApiErrors.error(HttpStatus.NOT_FOUND, "experiment " + id
                    + " has no complete trial with a checkpoint yet; wait for a trial to finish");
        }
        return serve(download.get());
    }

    @Operation(summary = "One checkpoint of a trial (HTTP Range supported)")
    @GetMapping({"/api/trials/{trialId}/checkpoints/{checkpointId}", "/download/trials/{trialId}/checkpoints/{checkpointId}"})
    public ResponseEntity<?> checkpoint(@PathVariable long trialId, @PathVariable long checkpointId) throws IOException {
        return serve(best.byId(checkpointId, trialId));
    }

    private ResponseEntity<Resource> serve(BestCheckpoints.Download download) throws IOException {
        var checkpoint = download.checkpoint();
        // Fails with ArtifactIntegrityException (500, JSON) when the file no longer matches its SHA-256.
        InputStream verified = checkpoints.open(checkpoint.id());
        Resource body;
        if ("file".equals(checkpoint.uri().getScheme())) {
            verified.close();
            body = new FileSystemResource(Path.of(checkpoint.uri()));
        } else {
            body = new InputStreamResource(verified);
        }
        return ResponseEntity.ok()
                .header(CHECKSUM_HEADER, checkpoint.sha256())
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                        .filename(download.fileName()).build().toString())
                .header(HttpHeaders.ACCEPT_RANGES, "bytes")
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .contentLength(checkpoint.sizeBytes())
                .body(body);
    }
}
