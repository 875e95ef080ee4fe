package dev.templatelab.web.api;

import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.web.datasets.DatasetImportJobs;
import dev.templatelab.web.datasets.DatasetImports;
import dev.templatelab.web.datasets.ImportJob;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Datasets: upload a zip, list, get, delete. */
@RestController
@RequestMapping("/api/datasets")
public class DatasetApi {

    private final DatasetService datasets;
    private final DatasetImports imports;
    private final DatasetImportJobs importJobs;

    DatasetApi(DatasetService datasets, DatasetImports imports, DatasetImportJobs importJobs) {
        this.datasets = datasets;
        this.imports = imports;
        this.importJobs = importJobs;
    }

    /** A dataset as the API shows it. */
    public record DatasetJson(long id, String name, List<String> classes, int images, Map<String, Integer> classCounts,
                              List<String> warnings) {
        static DatasetJson of(DatasetInfo d) {
            return new DatasetJson(d.id(), d.name(), d.classes(), d.imageCount(), d.classCounts(), d.warnings());
        }
    }

    /** The multipart form of an upload, for the OpenAPI document (the handler reads the parts themselves). */
    @Schema(requiredProperties = {"file", "name"})
    record UploadForm(@Schema(type = "string", format = "binary", description = "the zip: one folder of images per class")
                      String file,
                      @Schema(description = "the dataset's name: 1-200 characters, no control characters; give it once")
                      String name) {
    }

    /** An upload's result: the dataset and what the import left out. */
    public record ImportedJson(long id, String name, List<String> classes, int images, Map<String, Integer> classCounts,
                               List<String> warnings) {
    }

    @ApiResponse(responseCode = "201", description = "imported and registered",
            content = @Content(schema = @Schema(implementation = ImportedJson.class)))
    @ApiResponse(responseCode = "202", description = "async=true: importing; follow it at Location",
            content = @Content(schema = @Schema(implementation = DatasetImportApi.ImportJson.class)))
    @ApiResponse(responseCode = "400", description = "no zip, no name, a name taken or with control characters, or images that make no dataset")
    @ApiResponse(responseCode = "403", description = "the operator role is needed")
    @ApiResponse(responseCode = "413", description = "over the upload size limit")
    @Operation(summary = "Upload a zip (one folder per class) as a new dataset; with async=true the import runs after"
            + " the answer (202, Location: /api/dataset-imports/{id} to follow or stop it)")
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
            mediaType = MediaType.MULTIPART_FORM_DATA_VALUE, schema = @Schema(implementation = UploadForm.class)))
    public ResponseEntity<?> upload(@Parameter(hidden = true) @RequestPart(name = "file", required = false) MultipartFile file,
                                    @Parameter(hidden = true) @RequestParam(name = "name", required = false) String name,
                                    @RequestParam(name = "async", defaultValue = "false") boolean async,
                                    HttpServletRequest request)
            throws IOException, ServletException {
        if (file == null || file.isEmpty()) {
            return ApiErrors.error(HttpStatus.BAD_REQUEST, file == null
                    ? "missing multipart field 'file' (the dataset zip)" : "the uploaded file is empty");
        }
        if (name == null || name.isBlank()) {
            return ApiErrors.error(HttpStatus.BAD_REQUEST, "missing field 'name' (the dataset's name)");
        }
        // Spring joins repeated values with commas: "a" and "b" would name the dataset "a,b".
        String[] names = request.getParameterValues("name");
        if (names != null && names.length > 1) {
            return ApiErrors.error(HttpStatus.BAD_REQUEST, "field 'name' was given " + names.length
                    + " times; give name once");
        }
        // Spring hands over the first of several: the others would be dropped without a word.
        long files = request.getParts().stream().filter(p -> "file".equals(p.getName())).count();
        if (files > 1) {
            return ApiErrors.error(HttpStatus.BAD_REQUEST, "field 'file' was given " + files
                    + " times; upload one zip per dataset");
        }
        NewDataset.checkName(name.trim());   // before the upload is stored and read
        if (async) {
            // The request's own copy of the file is deleted when the request ends: the job gets one of its own.
            Path upload = imports.newUploadFile();
            try {
                file.transferTo(upload);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(upload);
                throw e;
            }
            ImportJob job = importJobs.start(name.trim(), file.getOriginalFilename(), upload);
            return ResponseEntity.accepted().location(URI.create("/api/dataset-imports/" + job.id()))
                    .body(DatasetImportApi.ImportJson.of(job.status()));
        }
        DatasetImports.Imported imported;
        try (InputStream in = file.getInputStream()) {
            imported = imports.importZip(name.trim(), file.getOriginalFilename(), in);
        }
        DatasetInfo d = imported.dataset();
        return ResponseEntity.created(URI.create("/api/datasets/" + d.id())).body(new ImportedJson(d.id(), d.name(),
                d.classes(), d.imageCount(), d.classCounts(), imported.warnings()));
    }

    @ApiResponse(responseCode = "200", description = "the datasets")
    @Operation(summary = "All datasets, newest first")
    @GetMapping
    public List<DatasetJson> list() {
        return datasets.list().stream().map(DatasetJson::of).toList();
    }

    @ApiResponse(responseCode = "200", description = "the dataset")
    @ApiResponse(responseCode = "404", description = "no such dataset")
    @Operation(summary = "One dataset")
    @GetMapping("/{id}")
    public DatasetJson get(@PathVariable long id) {
        return DatasetJson.of(datasets.get(id));
    }

    @ApiResponse(responseCode = "204", description = "deleted, with its files")
    @ApiResponse(responseCode = "403", description = "the operator role is needed")
    @ApiResponse(responseCode = "404", description = "no such dataset")
    @ApiResponse(responseCode = "409", description = "an experiment uses it")
    @Operation(summary = "Delete a dataset that no experiment uses")
    @DeleteMapping("/{id}")
    public ResponseEntity<Void> delete(@PathVariable long id) {
        imports.delete(id);
        return ResponseEntity.noContent().build();
    }
}
