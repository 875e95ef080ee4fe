package dev.templatelab.web.api;

import dev.templatelab.web.datasets.DatasetImportJobs;
import dev.templatelab.web.datasets.ImportJob;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.time.Instant;
import java.util.List;

/**
 * Imports started with {@code POST /api/datasets?async=true}: how far each got, how it ended, and stopping one.
 */
@RestController
@RequestMapping("/api/dataset-imports")
public class DatasetImportApi {

    private final DatasetImportJobs jobs;

    DatasetImportApi(DatasetImportJobs jobs) {
        this.jobs = jobs;
    }

    /**
     * An import as the API shows it: {@code step} STARTING, EXTRACTING (a zip's files written), CHECKING (images read
     * and hashed) or REGISTERING, with {@code done} of {@code total} files; once SUCCEEDED the dataset and warnings,
     * once FAILED the error.
     */
    public record ImportJson(long id, String name, String fileName, ImportJob.State state, ImportJob.Step step,
                             int done, int total, boolean stopRequested, Instant startedAt, Instant endedAt,
                             DatasetApi.DatasetJson dataset, List<String> warnings, String error) {
        static ImportJson of(ImportJob.Status s) {
            return new ImportJson(s.id(), s.name(), s.fileName(), s.state(), s.step(), s.done(), s.total(),
                    s.stopRequested(), s.startedAt(), s.endedAt(),
                    s.imported() == null ? null : DatasetApi.DatasetJson.of(s.imported().dataset()),
                    s.imported() == null ? List.of() : s.imported().warnings(), s.error());
        }
    }

    @ApiResponse(responseCode = "200", description = "the imports")
    @Operation(summary = "Imports running and ended within the last hour, newest first")
    @GetMapping
    public List<ImportJson> list() {
        return jobs.list().stream().map(ImportJson::of).toList();
    }

    @ApiResponse(responseCode = "200", description = "the import")
    @ApiResponse(responseCode = "404", description = "no such import (or ended over an hour ago)")
    @Operation(summary = "One import: progress while it runs, then the dataset or the error")
    @GetMapping("/{id}")
    public ImportJson get(@PathVariable long id) {
        return ImportJson.of(jobs.get(id));
    }

    @ApiResponse(responseCode = "202", description = "stopping")
    @ApiResponse(responseCode = "403", description = "the operator role is needed")
    @ApiResponse(responseCode = "404", description = "no such import")
    @ApiResponse(responseCode = "409", description = "it is saving the dataset, or has ended")
    @Operation(summary = "Stop a running import; it ends STOPPED with nothing kept (409 once it is saving or ended)")
    @DeleteMapping("/{id}")
    public ResponseEntity<ImportJson> stop(@PathVariable long id) {
        return ResponseEntity.accepted().body(ImportJson.of(jobs.stop(id)));
    }
}
