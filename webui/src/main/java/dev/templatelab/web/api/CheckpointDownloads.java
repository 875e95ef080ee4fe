package dev.templatelab.web.api;

import dev.templatelab.storage.artifacts.ArtifactOutsideStoreException;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.web.experiments.BestCheckpoints;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRange;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Checkpoint files, for the REST API (basic auth) and the UI's download buttons (session). Files on
 * local disk are served as a file resource, so Spring answers HTTP Range requests (resumable
 * downloads of large models) without reading the whole file; the SHA-256 is checked before serving
 * and sent as {@code X-Checksum-SHA256} and as the ETag, and {@code If-Range} is honoured.
 */
@RestController
public class CheckpointDownloads {

    /** Header carrying the file's SHA-256 (hex). */
    public static final String CHECKSUM_HEADER = "X-Checksum-SHA256";
    /** Header of a best checkpoint that is a cancelled trial's ({@code CANCELLED}): no trial completed. */
    public static final String TRIAL_STATE_HEADER = "X-Trial-State";

    private static final Logger log = LoggerFactory.getLogger(CheckpointDownloads.class);

    private final BestCheckpoints best;
    private final CheckpointService checkpoints;

    CheckpointDownloads(BestCheckpoints best, CheckpointService checkpoints) {
        this.best = best;
        this.checkpoints = checkpoints;
    }

    @ApiResponse(responseCode = "200", description = "the checkpoint file (X-Checksum-SHA256, ETag)", content = @Content(
            mediaType = "application/octet-stream", schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "206", description = "the requested ranges", content = @Content(
            mediaType = "application/octet-stream", schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "304", description = "If-None-Match names this file")
    @ApiResponse(responseCode = "404", description = "no checkpoint yet, or the experiment ended without one")
    @ApiResponse(responseCode = "416", description = "no requested range lies in the file (no body)")
    @ApiResponse(responseCode = "500", description = "the file no longer matches its SHA-256, or a worker wrote it to "
            + "another artifact store than this server's")
    @Operation(summary = "The best checkpoint of the experiment's best trial (HTTP Range supported)", description =
            "The best COMPLETE trial's; in a cancelled experiment where no trial completed, the best CANCELLED trial's "
            + "(X-Trial-State: CANCELLED)")
    @GetMapping({"/api/experiments/{id}/best-checkpoint", "/download/experiments/{id}/best-checkpoint"})
    public ResponseEntity<?> bestCheckpoint(@PathVariable long id,
                                            @RequestHeader(name = HttpHeaders.IF_RANGE, required = false) String ifRange,
                                            @RequestHeader(name = HttpHeaders.RANGE, required = false) String range,
                                            HttpServletResponse servletResponse) throws IOException {
        var download = best.ofExperiment(id);
        if (download.isEmpty()) {
            return ApiErrors.error(HttpStatus.NOT_FOUND, best.whyNone(id));
        }
        if (download.get().fromCancelledTrial()) {
            servletResponse.setHeader(TRIAL_STATE_HEADER, TrialState.CANCELLED.name());
        }
        return serve(download.get(), ifRange, range, servletResponse);
    }

    @ApiResponse(responseCode = "200", description = "the checkpoint file (X-Checksum-SHA256, ETag)", content = @Content(
            mediaType = "application/octet-stream", schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "206", description = "the requested ranges", content = @Content(
            mediaType = "application/octet-stream", schema = @Schema(type = "string", format = "binary")))
    @ApiResponse(responseCode = "304", description = "If-None-Match names this file")
    @ApiResponse(responseCode = "404", description = "no such checkpoint")
    @ApiResponse(responseCode = "416", description = "no requested range lies in the file (no body)")
    @ApiResponse(responseCode = "500", description = "the file no longer matches its SHA-256, or a worker wrote it to "
            + "another artifact store than this server's")
    @Operation(summary = "One checkpoint of a trial (HTTP Range supported)")
    @GetMapping({"/api/trials/{trialId}/checkpoints/{checkpointId}", "/download/trials/{trialId}/checkpoints/{checkpointId}"})
    public ResponseEntity<?> checkpoint(@PathVariable long trialId, @PathVariable long checkpointId,
                                        @RequestHeader(name = HttpHeaders.IF_RANGE, required = false) String ifRange,
                                        @RequestHeader(name = HttpHeaders.RANGE, required = false) String range,
                                        HttpServletResponse servletResponse) throws IOException {
        return serve(best.byId(checkpointId, trialId), ifRange, range, servletResponse);
    }

    /**
     * Serves the checkpoint; Range requests get their ranges, unless {@code If-Range} names another version of the
     * file (a download resumed after a better trial finished): then the whole file, as HTTP says (Spring itself
     * does not check If-Range). A Range header that does not parse is ignored (RFC 9110: the whole file, 200); one
     * that parses but that the file cannot satisfy is a 416 without body.
     */
    private ResponseEntity<?> serve(BestCheckpoints.Download download, String ifRange, String range,
                                    HttpServletResponse servletResponse) throws IOException {
        var checkpoint = download.checkpoint();
        String etag = "\"" + checkpoint.sha256() + "\"";
        // Fails with ArtifactIntegrityException (500, JSON) when the file no longer matches its SHA-256.
        InputStream verified;
        try {
            verified = checkpoints.open(checkpoint.id());
        } catch (ArtifactOutsideStoreException e) {
            return outsideStore(checkpoint, e);
        }
        HttpHeaders headers = new HttpHeaders();
        headers.set(CHECKSUM_HEADER, checkpoint.sha256());
        // The best checkpoint's URL serves another file once a better trial finishes: the ETag tells a client
        // resuming a download (If-Range) that the file changed.
        headers.setETag(etag);
        headers.set(HttpHeaders.ACCEPT_RANGES, "bytes");
        boolean rangesAllowed = ifRange == null || ifRange.equals(etag);
        if ("file".equals(checkpoint.uri().getScheme()) && rangesAllowed) {
            FileSystemResource file = new FileSystemResource(Path.of(checkpoint.uri()));
            RangeCheck check = check(range, file);
            if (check == RangeCheck.UNSATISFIABLE) {
                verified.close();
                // Spring would set 416 and Content-Range but still send the whole file as the body.
                headers.set(HttpHeaders.CONTENT_RANGE, "bytes */" + file.contentLength());
                return ResponseEntity.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE).headers(headers).build();
            }
            if (check != RangeCheck.INVALID) {
                verified.close();
                // No explicit length: Spring sets it for the whole file and for each range (a fixed length here would
                // stay on a multi-range answer, whose body is longer or shorter, and the client would wait or cut it).
                return ResponseEntity.ok().headers(headers).headers(body(download)).body(file);
            }
        }
        // The whole file, written here: Spring would cut any resource into the request's ranges (or answer 416).
        try (InputStream in = verified) {
            headers.addAll(body(download));
            headers.forEach((name, values) -> values.forEach(v -> servletResponse.addHeader(name, v)));
            servletResponse.setStatus(HttpServletResponse.SC_OK);
            servletResponse.setContentLengthLong(checkpoint.sizeBytes());
            in.transferTo(servletResponse.getOutputStream());
        }
        return null;   // answered
    }

    /** The 500 of a checkpoint a worker wrote to another store (one started before stores had an id): not the client's doing. */
    static ResponseEntity<Map<String, String>> outsideStore(CheckpointInfo checkpoint, ArtifactOutsideStoreException e) {
        log.error("checkpoint outside this server's artifact store checkpoint={} uri={} store={}", checkpoint.id(),
                checkpoint.uri(), e.storeRoot());
        return ApiErrors.error(HttpStatus.INTERNAL_SERVER_ERROR, "checkpoint " + checkpoint.id() + " was written to a "
                + "different artifact store than this server's: " + checkpoint.uri() + " is not under " + e.storeRoot()
                + "; check that every worker uses the server's artifact store (--artifacts / "
                + "TEMPLATELAB_ARTIFACTS_ROOT: the same shared folder, mounted at the same path), and copy the file "
                + "there from the worker that trained it");
    }

    /** The headers of a response carrying the file. */
    private static HttpHeaders body(BestCheckpoints.Download download) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentDisposition(ContentDisposition.attachment().filename(download.fileName()).build());
        headers.setContentType(MediaType.APPLICATION_OCTET_STREAM);
        return headers;
    }

    private enum RangeCheck { NONE, INVALID, UNSATISFIABLE, SATISFIABLE }

    /** What the Range header asks of this file, checked as Spring will when it cuts the file into ranges. */
    private static RangeCheck check(String range, FileSystemResource file) {
        if (range == null) {
            return RangeCheck.NONE;
        }
        List<HttpRange> ranges;
        try {
            ranges = HttpRange.parseRanges(range);
        } catch (IllegalArgumentException e) {
            return RangeCheck.INVALID;
        }
        try {
            HttpRange.toResourceRegions(ranges, file);
            return RangeCheck.SATISFIABLE;
        } catch (IllegalArgumentException e) {
            return RangeCheck.UNSATISFIABLE;
        }
    }
}
