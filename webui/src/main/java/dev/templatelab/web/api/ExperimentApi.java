package dev.templatelab.web.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.experiments.DeletedExperiment;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentRow;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.experiments.ExperimentSummary;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.storage.metrics.RecordedEpoch;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialParam;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.storage.trials.TrialStats;
import dev.templatelab.tuning.execution.ExperimentRequest;
import dev.templatelab.tuning.execution.InvalidExperimentException;
import dev.templatelab.tuning.execution.StudyParts;
import dev.templatelab.tuning.space.SpaceParameter;
import dev.templatelab.web.experiments.BestCheckpoints;
import dev.templatelab.web.experiments.ExperimentControl;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Experiments and trials: launch, read, list trials, cancel / pause / resume; one trial with its curve and checkpoints. */
@RestController
public class ExperimentApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_PAGE = 1000;

    private final ExperimentControl control;
    private final ExperimentService experiments;
    private final TrialService trials;
    private final MetricService metrics;
    private final CheckpointService checkpoints;
    private final BestCheckpoints bestCheckpoints;

    ExperimentApi(ExperimentControl control, ExperimentService experiments, TrialService trials, MetricService metrics,
                  CheckpointService checkpoints, BestCheckpoints bestCheckpoints) {
        this.control = control;
        this.experiments = experiments;
        this.trials = trials;
        this.metrics = metrics;
        this.checkpoints = checkpoints;
        this.bestCheckpoints = bestCheckpoints;
    }

    /** What POST /api/experiments takes. Required: name, datasetId, templates, maxTrials. */
    @Schema(description = "An experiment to launch; searchSpace changes each template's default space")
    public record LaunchJson(String name, Long datasetId, List<String> templates,
                             @Schema(description = "grid | random | tpe (default " + StudyParts.DEFAULT_SAMPLER + ")")
                             String sampler,
                             @Schema(description = "none | median | asha | asha-optuna | hyperband (default "
                                     + StudyParts.DEFAULT_PRUNER + "); the last three take rung settings, e.g. "
                                     + "asha:min_resource=2,reduction_factor=4") String pruner,
                             Integer maxTrials,
                             @Schema(description = "default 10") Integer maxEpochsPerTrial,
                             @Schema(description = "default 1") Integer parallelism,
                             @Schema(description = "accuracy | macro_f1 | loss | map (default accuracy)") String objective,
                             @Schema(description = "param (or Template.param) -> value | {low,high,log,step} | [choices]")
                             Map<String, Object> searchSpace,
                             Long maxWallClockSeconds, Long seed,
                             @Schema(description = "epoch budget of all trials; with asha a hard cap, the rest of which "
                                     + "goes to the best held trials once no new trial may start") Integer maxTotalEpochs,
                             Double target,
                             Boolean allowRandomInit) {
    }

    /**
     * Trial counts of an experiment; held: paused at an ASHA rung, waiting to be promoted or pruned; cancelled: stopped
     * by the experiment's cancel (not failed).
     */
    public record TrialCountsJson(long total, long complete, long pruned, long failed, long cancelled, long running,
                                  long waiting, long held) {
        static TrialCountsJson of(TrialStats s) {
            return new TrialCountsJson(s.total(), s.count(TrialState.COMPLETE), s.count(TrialState.PRUNED),
                    s.count(TrialState.FAIL), s.count(TrialState.CANCELLED), s.count(TrialState.RUNNING),
                    s.count(TrialState.WAITING), s.count(TrialState.HELD));
        }
    }

    /**
     * The best trial so far: COMPLETE; in a cancelled experiment where no trial completed, the best CANCELLED one (by the
     * value of its best checkpoint), whose checkpoint the best-checkpoint download then serves.
     */
    public record BestJson(long trialId, int number, String template, double objective,
                           @Schema(description = "COMPLETE, or CANCELLED in a cancelled experiment without a complete trial")
                           TrialState state) {
    }

    /**
     * An experiment as the API shows it; {@code best} is null until a trial completes (in a cancelled experiment, until
     * a trial stored a checkpoint).
     */
    public record ExperimentJson(long id, String name, ExperimentState state, long datasetId, List<String> templates,
                                 String sampler, String pruner, String objective, String direction, int parallelism,
                                 Integer maxTrials, Integer maxEpochsPerTrial, TrialCountsJson trials, BestJson best,
                                 String owner, Instant createdAt, Instant startedAt, Instant finishedAt,
                                 long runningSeconds) {
        /** {@code now}: the database's clock, the one the wall-clock budget reads. */
        static ExperimentJson of(ExperimentInfo e, TrialStats stats, TrialInfo best, Instant now) {
            return new ExperimentJson(e.id(), e.name(), e.state(), e.datasetId(), e.templates(), e.sampler(), e.pruner(),
                    StudyParts.objectiveName(e.objective()), e.direction().name().toLowerCase(), e.parallelism(),
                    e.budget().maxTrials(), e.budget().maxEpochsPerTrial(), TrialCountsJson.of(stats),
                    best == null || best.objectiveValue() == null ? null
                            : new BestJson(best.id(), best.number(), best.template(), best.objectiveValue(),
                            best.state()),
                    e.owner(), e.createdAt(), e.startedAt(), e.finishedAt(), e.runningTime(now).toSeconds());
        }
    }

    /**
     * A trial; {@code params} maps each hyperparameter to its value. A CANCELLED trial's objective and bestEpoch are
     * those of its best checkpoint (null without one); {@code error} is a FAIL trial's. Epochs here (and in a trial's epochs and checkpoints)
     * count from 1, as the pages and the command line show them; storage keeps 0-based indices.
     */
    public record TrialJson(long id, long experimentId, int number, String template, TrialState state,
                            Map<String, Object> params, Double objective, Integer bestEpoch, String error,
                            Instant startedAt, Instant finishedAt, Double cpuSeconds) {
        static TrialJson of(TrialInfo t) {
            Map<String, Object> params = new LinkedHashMap<>();
            for (TrialParam p : t.params()) {
                params.put(p.name(), value(p.valueJson()));
            }
            return new TrialJson(t.id(), t.experimentId(), t.number(), t.template(), t.state(), params,
                    t.objectiveValue(), t.bestEpoch() == null ? null : t.bestEpoch() + 1, t.error(), t.startedAt(), t.finishedAt(), t.cpuSeconds());
        }
    }

    /** A trial with its learning curve, checkpoints and evaluation. */
    public record TrialDetailJson(TrialJson trial, List<Map<String, Object>> epochs, List<CheckpointJson> checkpoints,
                                  JsonNode perClassMetrics, JsonNode confusionMatrix) {
    }

    /** A stored checkpoint; {@code download} is its URL under /api. */
    public record CheckpointJson(long id, int epoch, boolean best, long sizeBytes, String sha256, String download) {
        static CheckpointJson of(CheckpointInfo c) {
            return new CheckpointJson(c.id(), c.epoch() + 1, c.best(), c.sizeBytes(), c.sha256(),
                    "/api/trials/" + c.trialId() + "/checkpoints/" + c.id());
        }
    }

    @ApiResponse(responseCode = "201", description = "launched, queued for the workers")
    @ApiResponse(responseCode = "400", description = "an invalid request (a name taken, a bad space...): 'field' "
            + "names what to fix, and 'parameters' a bad space's parameters at fault")
    @ApiResponse(responseCode = "403", description = "the operator role is needed")
    @Operation(summary = "Launch an experiment")
    @PostMapping("/api/experiments")
    public ResponseEntity<ExperimentJson> launch(@RequestBody(required = false) LaunchJson body, Principal user) {
        if (body == null) {
            throw new InvalidExperimentException("request", "send a JSON object with name, datasetId, templates, "
                    + "maxTrials (and optionally sampler, pruner, maxEpochsPerTrial, parallelism, objective, searchSpace)");
        }
        require("name", body.name());
        require("datasetId", body.datasetId());
        require("templates", body.templates());
        require("maxTrials", body.maxTrials());
        ExperimentRequest request = new ExperimentRequest(body.name(), body.datasetId(), body.templates(),
                orDefault(body.sampler(), StudyParts.DEFAULT_SAMPLER), orDefault(body.pruner(), StudyParts.DEFAULT_PRUNER), body.maxTrials(),
                body.maxEpochsPerTrial() == null ? 10 : body.maxEpochsPerTrial(),
                body.parallelism() == null ? 1 : body.parallelism(), orDefault(body.objective(), "accuracy"),
                body.searchSpace(), body.maxWallClockSeconds() == null ? null : Duration.ofSeconds(body.maxWallClockSeconds()),
                body.seed(), body.maxTotalEpochs(), body.target(), Boolean.TRUE.equals(body.allowRandomInit()),
                user == null ? null : user.getName());
        ExperimentInfo created = control.launch(request);
        return ResponseEntity.created(URI.create("/api/experiments/" + created.id())).body(get(created.id()));
    }

    @ApiResponse(responseCode = "200", description = "the page of experiments")
    @ApiResponse(responseCode = "400", description = "a bad state, page or size")
    @Operation(summary = "Experiments, newest first, optionally of one state")
    @GetMapping("/api/experiments")
    public List<ExperimentJson> list(@RequestParam(required = false) ExperimentState state,
                                     @RequestParam(defaultValue = "0") int page,
                                     @RequestParam(defaultValue = "50") int size) {
        List<ExperimentRow> rows = experiments.list(state, PageRequest.of(checkPage(page, size), checkSize(size))).getContent();
        Instant now = experiments.databaseNow();
        return rows.stream().map(r -> ExperimentJson.of(r.experiment(), r.trials(), bestCheckpoints.bestTrial(r), now))
                .toList();
    }

    @ApiResponse(responseCode = "200", description = "the experiment")
    @ApiResponse(responseCode = "404", description = "no such experiment")
    @Operation(summary = "One experiment with trial counts and its best trial")
    @GetMapping("/api/experiments/{id}")
    public ExperimentJson get(@PathVariable long id) {
        ExperimentSummary s = experiments.summary(id);
        return ExperimentJson.of(s.experiment(), s.trials(), bestCheckpoints.bestTrial(s.experiment(), s.bestTrial()),
                experiments.databaseNow());
    }

    @ApiResponse(responseCode = "200", description = "the page of trials")
    @ApiResponse(responseCode = "400", description = "a bad state, page or size")
    @ApiResponse(responseCode = "404", description = "no such experiment")
    @Operation(summary = "An experiment's trials by number, optionally of one state (paged)")
    @GetMapping("/api/experiments/{id}/trials")
    public List<TrialJson> trials(@PathVariable long id, @RequestParam(required = false) TrialState state,
                                  @RequestParam(defaultValue = "0") int page,
                                  @RequestParam(defaultValue = "100") int size) {
        experiments.get(id);   // 404 for an unknown experiment rather than an empty list
        return trials.page(id, state, PageRequest.of(checkPage(page, size), checkSize(size), Sort.by("number")))
                .stream().map(TrialJson::of).toList();
    }

    @ApiResponse(responseCode = "200", description = "cancelled")
    @ApiResponse(responseCode = "403", description = "the operator role is needed")
    @ApiResponse(responseCode = "404", description = "no such experiment")
    @ApiResponse(responseCode = "409", description = "it has ended already")
    @Operation(summary = "Cancel an experiment: its running, waiting and held trials become CANCELLED (running ones stop "
            + "after their minibatch), keeping their finished epochs and best checkpoint")
    @PostMapping("/api/experiments/{id}/cancel")
    public ExperimentJson cancel(@PathVariable long id) {
        control.cancel(id);
        return get(id);
    }

    @ApiResponse(responseCode = "200", description = "deleted: what was removed")
    @ApiResponse(responseCode = "403", description = "the operator role is needed")
    @ApiResponse(responseCode = "404", description = "no such experiment")
    @ApiResponse(responseCode = "409", description = "not finished: cancel it first")
    @Operation(summary = "Delete a finished experiment with its trials, metrics, events and checkpoint files "
            + "(409 while it is unfinished: cancel it first)")
    @DeleteMapping("/api/experiments/{id}")
    public DeletedExperiment delete(@PathVariable long id) {
        return control.delete(id);
    }

    @ApiResponse(responseCode = "200", description = "paused")
    @ApiResponse(responseCode = "403", description = "the operator role is needed")
    @ApiResponse(responseCode = "404", description = "no such experiment")
    @ApiResponse(responseCode = "409", description = "it is not running or queued")
    @Operation(summary = "Pause an experiment")
    @PostMapping("/api/experiments/{id}/pause")
    public ExperimentJson pause(@PathVariable long id) {
        control.pause(id);
        return get(id);
    }

    @ApiResponse(responseCode = "200", description = "resumed")
    @ApiResponse(responseCode = "403", description = "the operator role is needed")
    @ApiResponse(responseCode = "404", description = "no such experiment")
    @ApiResponse(responseCode = "409", description = "it is not paused")
    @Operation(summary = "Resume a paused experiment")
    @PostMapping("/api/experiments/{id}/resume")
    public ExperimentJson resume(@PathVariable long id) {
        control.resume(id);
        return get(id);
    }

    @ApiResponse(responseCode = "200", description = "the trial")
    @ApiResponse(responseCode = "404", description = "no such trial")
    @Operation(summary = "One trial with its per-epoch metrics, checkpoints and evaluation")
    @GetMapping("/api/trials/{id}")
    public TrialDetailJson trial(@PathVariable long id) {
        TrialInfo t = trials.get(id);
        List<Map<String, Object>> epochs = metrics.curve(id).stream().map(ExperimentApi::epoch).toList();
        var evaluation = trials.evaluation(id);
        return new TrialDetailJson(TrialJson.of(t), epochs, checkpoints.list(id).stream().map(CheckpointJson::of).toList(),
                evaluation.map(e -> value(e.perClassMetricsJson())).orElse(null),
                evaluation.map(e -> value(e.confusionMatrixJson())).orElse(null));
    }

    /**
     * Refusals of the launcher name the field, and a search space's its parameters:
     * {@code {"error": "...", "field": "searchSpace", "parameters": ["Clarifai_ResNext.lrate"]}}.
     */
    @ExceptionHandler(InvalidExperimentException.class)
    ResponseEntity<Map<String, Object>> invalid(InvalidExperimentException e) {
        // The launcher's names are ExperimentRequest's; the one that differs in the JSON is the wall clock's.
        String field = e.field().equals("maxWallClock") ? "maxWallClockSeconds" : e.field();
        String message = field.equals(e.field()) ? e.getMessage() : field + e.getMessage().substring(e.field().length());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("field", field);
        if (!e.parameters().isEmpty()) {
            body.put("parameters", e.parameters().stream().map(SpaceParameter::toString).toList());
        }
        return ApiErrors.error(HttpStatus.BAD_REQUEST, body);
    }

    private static Map<String, Object> epoch(RecordedEpoch r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", r.metrics().epoch() + 1);
        m.put("trainLoss", r.metrics().trainLoss());
        m.put("valLoss", r.metrics().valLoss());
        m.put("valAccuracy", r.metrics().valAccuracy());
        m.put("valMacroF1", r.metrics().valMacroF1());
        m.put("learningRate", r.metrics().learningRate());
        m.put("imagesPerSecond", r.metrics().imagesPerSecond());
        return m;
    }

    private static void require(String field, Object value) {
        if (value == null) {
            throw new InvalidExperimentException(field, "missing field '" + field + "'");
        }
        if (value instanceof String s && s.isBlank()) {
            throw new InvalidExperimentException(field, "field '" + field + "' is blank; give it a value");
        }
        if (value instanceof List<?> l && l.isEmpty()) {
            throw new InvalidExperimentException(field, "field '" + field + "' is an empty list; give at least one");
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static int checkPage(int page, int size) {
        if (page < 0) {
            throw new IllegalArgumentException("page must be >= 0, got " + page);
        }
        if ((long) page * size > Integer.MAX_VALUE) {   // the database's offset is an int
            throw new IllegalArgumentException("page x size must be at most " + Integer.MAX_VALUE + ", got page " + page
                    + " of size " + size);
        }
        return page;
    }

    private static int checkSize(int size) {
        if (size < 1 || size > MAX_PAGE) {
            throw new IllegalArgumentException("size must be 1-" + MAX_PAGE + ", got " + size);
        }
        return size;
    }

    private static JsonNode value(String json) {
        try {
            return json == null ? null : JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return JSON.getNodeFactory().textNode(json);
        }
    }
}
