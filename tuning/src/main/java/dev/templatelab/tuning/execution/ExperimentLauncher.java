package dev.templatelab.tuning.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.runtime.Bfloat16Convolutions;
import dev.templatelab.architectures.runtime.Nd4jRuntime;
import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.artifacts.StoredArtifact;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.events.EventLevel;
import dev.templatelab.storage.events.EventService;
import dev.templatelab.storage.experiments.Budget;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.NewExperiment;
import dev.templatelab.training.data.DatasetException;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.InvalidHyperparametersException;
import dev.templatelab.tuning.pruner.PromotingPruner;
import dev.templatelab.tuning.pruner.Pruner;
import dev.templatelab.tuning.sampler.GridSampler;
import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.space.SpaceParameter;
import dev.templatelab.tuning.space.TemplateSpace;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.Objective;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Starts, pauses, resumes and cancels experiments. {@link #launch} checks the whole request before it writes
 * anything, so a refused request leaves no trace; an accepted one is a QUEUED experiment whose trials any
 * worker connected to the database will sample, claim and run.
 */
@Service
public class ExperimentLauncher {

    /** Claims of one trial (worker crashes and errors together) before it is marked FAIL. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    private static final TemplateRegistry REGISTRY = TemplateRegistry.standard();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_EPOCHS = 10_000;

    private final ExperimentService experiments;
    private final DatasetService datasets;
    private final TuningSettingsStore settings;
    private final DatasetCopies datasetCopies;
    private final WeightsCopies weightsCopies;
    private final EventService events;
    private final TransactionTemplate transaction;
    private final CheckpointService checkpoints;

    ExperimentLauncher(ExperimentService experiments, DatasetService datasets, TuningSettingsStore settings,
                       DatasetCopies datasetCopies, WeightsCopies weightsCopies, EventService events,
                       CheckpointService checkpoints, PlatformTransactionManager transactions) {
        this.checkpoints = checkpoints;
        this.experiments = experiments;
        this.datasets = datasets;
        this.settings = settings;
        this.datasetCopies = datasetCopies;
        this.weightsCopies = weightsCopies;
        this.events = events;
        this.transaction = new TransactionTemplate(transactions);
    }

    /**
     * Validates the request, copies the dataset into the artifact store if it is not there yet (the first launch on a
     * dataset reads all its images; {@link DatasetCopies#publish}) and creates the QUEUED experiment, or throws
     * {@link InvalidExperimentException}.
     */
    public ExperimentInfo launch(ExperimentRequest request) {
        Checked c = check(request);
        DatasetInfo dataset;
        try {
            dataset = datasetCopies.publish(request.datasetId());   // outside the transaction: it may take a while
        } catch (DatasetException e) {
            throw new InvalidExperimentException("datasetId", e.getMessage(), e);
        } catch (NotFoundException e) {   // deleted while it was being packed
            throw new InvalidExperimentException("datasetId", "no dataset with id " + request.datasetId()
                    + " (it was deleted meanwhile); choose another dataset", e);
        } catch (UncheckedIOException e) {
            throw new InvalidExperimentException("datasetId", e.getMessage() + "; free space or fix permissions in the "
                    + "artifact store (TEMPLATELAB_ARTIFACTS_ROOT), or set TEMPLATELAB_SHIP_TO_WORKERS=false if every "
                    + "worker can read the dataset's folder", e);
        }
        WeightsCopies.Published weights;
        try {
            weights = weightsCopies.publish(c.space);
        } catch (UncheckedIOException e) {
            throw new InvalidExperimentException("searchSpace", e.getMessage() + "; free space or fix permissions in the "
                    + "artifact store (TEMPLATELAB_ARTIFACTS_ROOT)", e);
        } catch (IllegalArgumentException e) {   // a malformed weights name, or a damaged registered file
            throw new InvalidExperimentException("searchSpace", "pretrained_weights: " + e.getMessage(), e);
        }
        ExperimentInfo created;
        try {
            created = transaction.execute(status -> {
                requireNewName(request.name());   // again: another launch may have taken it while the dataset was packed
                return create(request, c, weights.copies());
            });
        } catch (DataIntegrityViolationException e) {
            requireNewName(request.name());   // a launch of the same name committed between the check and the insert
            throw e;
        }
        for (String missing : weights.missing()) {
            events.log(created.id(), null, EventLevel.WARN, "pretrained weights " + missing + " (template/name) are not "
                    + "registered where the experiment was launched, so they were not copied into the artifact store: "
                    + "trials that draw them fail on workers that do not have them registered ('templatelab weights list')");
        }
        if (!datasetCopies.reachable(dataset)) {
            events.log(created.id(), null, EventLevel.WARN, "dataset " + dataset.name() + " cannot be read at "
                    + dataset.storageUri().getPath() + " where the experiment was launched, and has no copy in the "
                    + "artifact store: only workers that can read that path will run its trials");
        }
        return created;
    }

    private void requireNewName(String name) {
        if (experiments.findByName(name.trim()).isPresent()) {
            throw new InvalidExperimentException("name", "an experiment named '" + name.trim()
                    + "' already exists; choose another name");
        }
    }

    private ExperimentInfo create(ExperimentRequest request, Checked c, Map<String, StoredArtifact> weights) {
        long seed = request.seed() != null ? request.seed() : new SecureRandom().nextLong() & Long.MAX_VALUE;
        Long wallClock = request.maxWallClock() == null ? null : Math.max(1, request.maxWallClock().toSeconds());
        Budget budget = new Budget(request.maxTrials(), request.maxEpochsPerTrial(), wallClock,
                request.maxTotalEpochs(), request.target());
        ExperimentInfo created;
        try {
            created = experiments.create(new NewExperiment(request.name().trim(), request.datasetId(), c.space.templateNames(),
                    c.space.toJson(), request.sampler().trim().toLowerCase(), request.pruner().trim().toLowerCase(),
                    budget, StudyParts.column(c.objective), StudyParts.direction(c.objective), request.parallelism(),
                    request.owner()));
        } catch (NotFoundException e) {
            throw new InvalidExperimentException("datasetId", e.getMessage(), e);
        }
        settings.insert(created.id(), new TuningSettings(seed, c.objective.metric().id(), request.allowRandomInit(),
                DEFAULT_MAX_ATTEMPTS, weights));
        return created;
    }

    /** Cancels an experiment: its unfinished trials become CANCELLED; running ones stop at their next minibatch. */
    public ExperimentInfo cancel(long experimentId) {
        ExperimentInfo cancelled = experiments.cancel(experimentId);
        checkpoints.keepOnlyBest(experimentId);   // its trials ended: nothing resumes them (best effort)
        return cancelled;
    }

    /** Pauses an experiment: running trials stop at their next minibatch and wait, with their checkpoints, for resume. */
    public ExperimentInfo pause(long experimentId) {
        return experiments.pause(experimentId);
    }

    /** Resumes a paused experiment: workers pick up its waiting trials (from their checkpoints) and sample new ones. */
    public ExperimentInfo resume(long experimentId) {
        return experiments.resume(experimentId);
    }

    /** The search space an accepted request resolves to (the templates' defaults with the request's changes). */
    public SearchSpace resolveSpace(ExperimentRequest request) {
        return check(request).space;
    }

    private record Checked(SearchSpace space, Objective objective) {
    }

    private Checked check(ExperimentRequest r) {
        if (r == null) {
            throw new InvalidExperimentException("request", "no experiment given");
        }
        checkName(r.name());
        requireNewName(r.name());
        try {
            datasets.get(r.datasetId());
        } catch (NotFoundException e) {
            throw new InvalidExperimentException("datasetId", "there is no dataset with id " + r.datasetId()
                    + "; import the dataset first");
        }
        return checkSettings(r);
    }

    /**
     * Every check of {@link #launch} that needs no database (all but the name being new and the dataset existing);
     * public for a command line that checks a request before it starts a database and imports the images
     * ({@code tune}). Throws {@link InvalidExperimentException} naming the field.
     */
    public static void checkWithoutDatabase(ExperimentRequest r) {
        if (r == null) {
            throw new InvalidExperimentException("request", "no experiment given");
        }
        checkName(r.name());
        checkSettings(r);
    }

    private static void checkName(String name) {
        if (name == null || name.isBlank() || name.trim().length() > 200) {
            throw new InvalidExperimentException("name", "give the experiment a name of 1-200 characters");
        }
        // A tab or line break would end up in tables, logs and the download's file name.
        name.trim().codePoints().filter(Character::isISOControl).findFirst().ifPresent(c -> {
            throw new InvalidExperimentException("name", String.format("the experiment name may not contain control "
                    + "characters (tabs, line breaks...); it has U+%04X", c));
        });
    }

    private static Checked checkSettings(ExperimentRequest r) {
        List<String> templates = checkTemplates(r.templates());
        if (r.sampler() == null || !StudyParts.SAMPLERS.contains(r.sampler().trim().toLowerCase())) {
            throw new InvalidExperimentException("sampler", "unknown sampler '" + r.sampler() + "'; use one of "
                    + String.join(", ", StudyParts.SAMPLERS));
        }
        if (r.pruner() == null) {
            throw new InvalidExperimentException("pruner", "missing; use one of " + String.join(", ", StudyParts.PRUNERS));
        }
        Pruner pruner;
        try {
            pruner = StudyParts.pruner(r.pruner(), Math.max(1, r.maxEpochsPerTrial()));
        } catch (IllegalArgumentException e) {
            throw new InvalidExperimentException("pruner", e.getMessage());
        }
        checkTrialsAndEpochs(r.maxTrials(), r.maxEpochsPerTrial());
        if (r.parallelism() < 1) {
            throw new InvalidExperimentException("parallelism", "must be at least 1, got " + r.parallelism());
        }
        if (r.maxWallClock() != null && (r.maxWallClock().isNegative() || r.maxWallClock().toSeconds() < 1)) {
            throw new InvalidExperimentException("maxWallClock", "must be at least one second, got "
                    + r.maxWallClock().toMillis() / 1000.0 + " s");
        }
        if (r.maxTotalEpochs() != null && r.maxTotalEpochs() < 1) {
            throw new InvalidExperimentException("maxTotalEpochs", "must be at least 1, got " + r.maxTotalEpochs());
        }
        if (r.target() != null && !Double.isFinite(r.target())) {
            throw new InvalidExperimentException("target", "must be a finite number, got " + r.target());
        }
        Objective objective;
        try {
            if (r.objective() == null || r.objective().isBlank()) {
                throw new IllegalArgumentException("missing; use one of accuracy, macro_f1, loss");
            }
            objective = StudyParts.objective(r.objective());
        } catch (IllegalArgumentException e) {
            throw new InvalidExperimentException("objective", e.getMessage(), e);
        }
        checkTarget(r.target(), objective, r.objective().trim());
        SearchSpace space = checkSpace(templates, r.searchSpace(), r.maxEpochsPerTrial());
        if (r.maxTotalEpochs() != null && pruner instanceof PromotingPruner) {
            // Under ASHA the epoch budget is a hard cap that a trial must fit in whole (Study.promotion).
            double most = space.templates().stream().mapToDouble(t -> drawable(t, FrozenTrial.EPOCHS, true)).max().orElse(0);
            if (r.maxTotalEpochs() < most) {
                throw new InvalidExperimentException("maxTotalEpochs", "with ASHA the epoch budget must hold at least one "
                        + "whole trial, " + (long) most + " epochs; got " + r.maxTotalEpochs());
            }
        }
        if (r.sampler().trim().equalsIgnoreCase("grid")) {
            try {
                GridSampler.size(space);
            } catch (IllegalArgumentException e) {
                throw new InvalidExperimentException("sampler", "grid search needs a discrete space: " + e.getMessage()
                        + " (fix each float with a step, name=low..high:step, or use random or tpe)", e);
            }
        }
        for (TemplateSpace t : space.templates()) {
            if (t.parameter("checkpoint_metric") != null) {
                throw new InvalidExperimentException("searchSpace", "checkpoint_metric is set by the objective (here "
                        + objective.bestEpoch().id() + ": each trial keeps its best epoch by it); remove it from the "
                        + "search space", null, List.of(new SpaceParameter(t.template(), "checkpoint_metric")));
            }
            if (asksForBfloat16(t) && !Bfloat16Convolutions.supported()) {
                // Each trial would fail on every attempt: say so now, not after the retries.
                throw new InvalidExperimentException("searchSpace", "precision=bfloat16 needs workers whose CPUs have "
                        + "AVX-512 BF16, and this machine's has not (oneDNN runs " + Nd4jRuntime.describe()
                        .getOrDefault("oneDnnIsa", "no CPU kernels") + "); search with precision=float32 (the default)",
                        null, List.of(new SpaceParameter(t.template(), "precision")));
            }
        }
        if (!r.allowRandomInit()) {
            for (TemplateSpace t : space.templates()) {
                Template template = REGISTRY.get(t.template());
                if (template.defaults().pretrained() && !setsPretrainedWeights(template, t)) {
                    throw new InvalidExperimentException("templates", t.template() + " is meant to start from "
                            + "pretrained weights: set pretrained_weights=NAME in the search space (see 'templatelab "
                            + "weights list'), or allow random initialisation");
                }
            }
        }
        return new Checked(space, objective);
    }

    /** A target outside the objective's range would never be reached: the budget alone would end the experiment. */
    private static void checkTarget(Double target, Objective objective, String name) {
        Objective.Metric metric = objective.metric();
        if (target != null && (target < metric.lowest() || target > metric.highest())) {
            throw new InvalidExperimentException("target", "must be " + (Double.isInfinite(metric.highest())
                    ? "at least " + metric.lowest() : "between " + metric.lowest() + " and " + metric.highest())
                    + " for objective " + name + ", got " + target + ": no trial can reach it");
        }
    }

    private static void checkTrialsAndEpochs(int maxTrials, int maxEpochsPerTrial) {
        if (maxTrials < 1) {
            throw new InvalidExperimentException("maxTrials", "must be at least 1, got " + maxTrials);
        }
        if (maxEpochsPerTrial < 1 || maxEpochsPerTrial > MAX_EPOCHS) {
            throw new InvalidExperimentException("maxEpochsPerTrial", "must be 1.." + MAX_EPOCHS + ", got "
                    + maxEpochsPerTrial);
        }
    }

    /** The templates' names, trimmed. */
    private static List<String> checkTemplates(List<String> templates) {
        if (templates == null || templates.isEmpty()) {
            throw new InvalidExperimentException("templates", "name at least one template; known: "
                    + String.join(", ", REGISTRY.names()));
        }
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String t : templates) {
            String name = t == null ? "" : t.trim();
            if (REGISTRY.find(name).isEmpty()) {
                throw new InvalidExperimentException("templates", "unknown template '" + t + "'; known: "
                        + String.join(", ", REGISTRY.names()));
            }
            if (!seen.add(name)) {
                throw new InvalidExperimentException("templates", "template " + name + " is listed twice");
            }
            names.add(name);
        }
        return names;
    }

    /** The default spaces with the request's changes; num_epochs is fixed to the per-trial maximum unless given. */
    private static SearchSpace checkSpace(List<String> templates, Map<String, Object> changes, int maxEpochs) {
        Map<String, Object> all = new LinkedHashMap<>(changes == null ? Map.of() : changes);
        boolean epochsGiven = all.keySet().stream().anyMatch(k -> k.equals("num_epochs") || k.endsWith(".num_epochs"));
        if (!epochsGiven) {
            all.put("num_epochs", maxEpochs);
        }
        SearchSpace space;
        try {
            space = SearchSpace.parseJson(templates, JSON.writeValueAsString(all));
        } catch (JsonProcessingException e) {
            throw new InvalidExperimentException("searchSpace", "cannot be written as JSON: " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {   // an InvalidSpaceException names its parameter
            throw new InvalidExperimentException("searchSpace", e.getMessage(), e);
        }
        for (TemplateSpace t : space.templates()) {
            double most = drawable(t, FrozenTrial.EPOCHS, true);
            if (most > maxEpochs) {
                throw new InvalidExperimentException("searchSpace", "num_epochs of " + t.template() + " goes up to "
                        + (long) most + " but a trial may train at most " + maxEpochs + " epochs (maxEpochsPerTrial)",
                        null, List.of(new SpaceParameter(t.template(), FrozenTrial.EPOCHS)));
            }
            try {
                // Where only some points hold out every image, those trials fail at once (TrialRunner); here all would.
                HyperparameterSchema.checkTogether(drawable(t, "validation_fraction", false),
                        drawable(t, "test_fraction", false));
            } catch (InvalidHyperparametersException e) {
                throw new InvalidExperimentException("searchSpace", t.template() + ": " + e.getMessage()
                        + " (the smallest values this space draws); lower validation_fraction or test_fraction", e,
                        List.of(new SpaceParameter(t.template(), "validation_fraction"),
                                new SpaceParameter(t.template(), "test_fraction")));
            }
        }
        return space;
    }

    /** The largest (or smallest) value of {@code name} a trial of {@code t} may draw: its space's, else the default. */
    private static double drawable(TemplateSpace t, String name, boolean largest) {
        Distribution d = t.parameter(name);
        return d == null ? HyperparameterSchema.resolveTyped(REGISTRY.get(t.template()), Map.of()).getDouble(name)
                : (largest ? d.largest() : d.smallest()).orElse(0);
    }

    private static boolean asksForBfloat16(TemplateSpace space) {
        Distribution d = space.parameter("precision");
        return d instanceof CategoricalDistribution c && c.choices().stream().anyMatch(v -> "bfloat16".equals(v));
    }

    private static boolean setsPretrainedWeights(Template template, TemplateSpace space) {
        Distribution d = space.parameter("pretrained_weights");
        if (d == null) {
            return !"none".equalsIgnoreCase(HyperparameterSchema.resolveTyped(template, Map.of())
                    .getString("pretrained_weights"));
        }
        return d instanceof CategoricalDistribution c
                && c.choices().stream().noneMatch(v -> "none".equalsIgnoreCase(String.valueOf(v)));
    }
}
