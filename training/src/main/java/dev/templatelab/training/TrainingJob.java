package dev.templatelab.training;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.runtime.Bfloat16Convolutions;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.checkpoint.Versions;
import dev.templatelab.training.data.DatasetImporter;
import dev.templatelab.training.data.ExtractionFolders;
import dev.templatelab.training.data.ImageDataset;
import dev.templatelab.training.data.ImageRecord;
import dev.templatelab.training.data.ImportResult;
import dev.templatelab.training.data.ImportProgress;
import dev.templatelab.training.data.ImportStoppedException;
import dev.templatelab.training.data.Split;
import dev.templatelab.training.data.Splitter;
import dev.templatelab.training.eval.Evaluation;
import dev.templatelab.training.fit.BestEpoch;
import dev.templatelab.training.fit.CancellationToken;
import dev.templatelab.training.fit.CheckpointListener;
import dev.templatelab.training.fit.EarlyStopping;
import dev.templatelab.training.fit.EpochMetrics;
import dev.templatelab.training.fit.FitLoop;
import dev.templatelab.training.fit.PreciseBatchNorm;
import dev.templatelab.training.fit.ProgressPrinter;
import dev.templatelab.training.fit.TrainingListener;
import dev.templatelab.training.fit.TrainingOutcome;
import dev.templatelab.training.fit.Validator;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.Hyperparameters;
import dev.templatelab.training.optim.HeadDropout;
import dev.templatelab.training.optim.Optimizers;
import dev.templatelab.training.pipeline.Augmentation;
import dev.templatelab.training.pipeline.ImageBatchIterator;
import dev.templatelab.training.transfer.BackboneTransfer;
import dev.templatelab.training.transfer.WeightsRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * One training run from a dataset path to a checkpoint: import and validate the data, split it, build the
 * template for it, attach the optimiser, load pretrained weights, run the fit loop with progress,
 * checkpoints and early stopping, then evaluate the best epoch. Used by the CLI and, as one trial, by tuning.
 */
public final class TrainingJob {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How often a long dataset import says how far it got. */
    static final Duration IMPORT_PROGRESS_EVERY = Duration.ofSeconds(5);

    /**
     * @param template        template name
     * @param data            folder, zip or CSV manifest
     * @param overrides       hyperparameters as {@code --set name=value} strings
     * @param output          the checkpoint of the best epoch; {@code <output>.last} holds the latest epoch for resuming
     * @param allowRandomInit train a pretrained-by-definition template from random weights when none are given
     * @param resume          continue from {@code <output>.last} when it exists
     * @param registeredContentHash the content hash of {@code data} when it was registered (a trial's dataset), or
     *                        null: with one, the images are decoded again only if they changed since
     */
    public record Request(String template, Path data, Map<String, String> overrides, Path output, boolean allowRandomInit,
                          boolean resume, TemplateLabHome home, String registeredContentHash) {

        /** A request for data that no registration checked: its import decodes every image. */
        public Request(String template, Path data, Map<String, String> overrides, Path output, boolean allowRandomInit,
                       boolean resume, TemplateLabHome home) {
            this(template, data, overrides, output, allowRandomInit, resume, home, null);
        }
    }

    /** The outcome: the best checkpoint, its SHA-256 and evaluation (on the test split if any, else validation). */
    public record Result(Path checkpoint, String sha256, Evaluation evaluation, TrainingOutcome outcome,
                         ImportResult data, double seconds) {
    }

    private TrainingJob() {
    }

    public static Path lastCheckpoint(Path output) {
        return output.resolveSibling(output.getFileName() + ".last");
    }

    public static Result run(Request request, PrintWriter log, List<TrainingListener> extraListeners,
                             CancellationToken cancel) throws IOException {
        long started = System.nanoTime();
        Template template = TemplateRegistry.standard().get(request.template());
        Hyperparameters hp = HyperparameterSchema.resolve(template, request.overrides());
        if (hp.getString("precision").equals("bfloat16")) {
            Bfloat16Convolutions.requireSupported();      // before the dataset is read
        }
        if (!(request.resume() && Files.exists(lastCheckpoint(request.output())))) {   // a resumed run loads no weights
            requireStartingWeights(template, hp, request);   // before the dataset is read too: that takes minutes
        }

        // What killed runs extracted here (a worker's kill -9) is deleted; live runs' folders are held, so kept.
        ExtractionFolders.sweepAbandoned(request.home().work());
        ImportResult imported;
        try {
            imported = DatasetImporter.importRegistered(request.data(), request.home().work(),
                    request.registeredContentHash(), ImportProgress.printing(log, IMPORT_PROGRESS_EVERY,
                            cancel::isCancelled));
        } catch (ImportStoppedException stopped) {   // cancelled before training began: nothing to save
            log.println(stopped.getMessage() + "; nothing was trained");
            return new Result(null, null, null, new TrainingOutcome(TrainingOutcome.Status.CANCELLED, List.of(),
                    java.util.Optional.empty()), null, (System.nanoTime() - started) / 1e9);
        }
        try {
            return train(request, log, extraListeners, cancel, template, hp, imported, started);
        } finally {
            imported.deleteExtraction();   // a zip's images were extracted for this run alone
        }
    }

    private static Result train(Request request, PrintWriter log, List<TrainingListener> extraListeners,
                                CancellationToken cancel, Template template, Hyperparameters hp, ImportResult imported,
                                long started) throws IOException {
        boolean bfloat16 = hp.getString("precision").equals("bfloat16");
        long seed = hp.getInt("seed");
        imported.report().lines().forEach(line -> log.println("warning: " + line));
        ImageDataset dataset = imported.dataset();
        Split split = Splitter.split(dataset, hp.getDouble("validation_fraction"), hp.getDouble("test_fraction"), seed);
        log.printf(Locale.ROOT, "dataset: %d images, %d classes%s; split %d train / %d validation / %d test (seed %d)%n",
                dataset.records().size(), dataset.classes().size(), dataset.multiLabel() ? " (multi-label)" : "",
                split.train().size(), split.validation().size(), split.test().size(), seed);

        BestEpoch bestEpoch = BestEpoch.of(hp.getString("checkpoint_metric"));
        if (bestEpoch == BestEpoch.MAP && !dataset.multiLabel()) {
            throw new BestEpoch.NotMeasuredException("checkpoint_metric=map (mean average precision) needs multi-label data (a "
                    + "CSV manifest with labels like 'cat;dog'); this dataset is single-label: use accuracy or macro_f1");
        }
        TemplateSpec spec = spec(hp, dataset);
        DataConfig data = dataConfig(template, hp.getInt("image_size"));
        int batch = hp.getInt("batch_size");
        int epochs = hp.getInt("num_epochs");
        List<ImageRecord> trainRecords = split.train();
        int itemsPerEpoch = hp.getInt("num_items_per_epoch");
        int perEpoch = itemsPerEpoch > 0 ? Math.min(itemsPerEpoch, trainRecords.size()) : trainRecords.size();
        int batchesPerEpoch = (perEpoch + batch - 1) / batch;

        TemplateGraph graph = HeadDropout.apply(Optimizers.forTraining(template.build(spec), hp, batchesPerEpoch),
                hp.getDouble("head_dropout"));
        Path last = lastCheckpoint(request.output());
        int startEpoch = 0;
        ComputationGraph net;
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("data", request.data().toAbsolutePath().toString());
        provenance.put("split", Map.of("train", split.train().size(), "validation", split.validation().size(),
                "test", split.test().size()));
        EpochMetrics previousBest = null;
        if (request.resume() && Files.exists(last)) {
            Checkpoints.Loaded loaded = Checkpoints.read(last, true);
            requireCompatible(loaded.metadata(), template, spec, dataset, hp, last);
            net = loaded.network();
            startEpoch = loaded.metadata().epoch();
            previousBest = Files.exists(request.output()) ? bestOf(Checkpoints.readMetadata(request.output())) : null;
            EpochMetrics lastEpoch = bestOf(loaded.metadata());
            if (previousBest == null || bestEpoch.isBetter(lastEpoch, previousBest)) {
                // Stopped after writing FILE.last and before copying that best epoch to FILE: copy it now.
                Checkpoints.copy(last, loaded.sha256(), request.output());
                previousBest = lastEpoch;
            }
            log.printf("resuming from %s after epoch %d%n", last, startEpoch);
            Object plannedEpochs = loaded.metadata().hyperparameters().get("num_epochs");
            if (hp.getString("lr_schedule").equals("cosine") && plannedEpochs instanceof Number planned
                    && planned.intValue() < epochs) {
                log.printf("note: the cosine schedule keeps the %d epochs it was started with: epochs after those train "
                        + "at its floor rate%n", planned.intValue());
            }
        } else {
            net = graph.newNetwork(seed);
            initialiseBackbone(template, hp, request, net, graph, log, provenance);
        }

        if (bfloat16) {
            int convolutions = Bfloat16Convolutions.apply(net, true);
            log.printf("precision: bfloat16 multiplications in %d convolutions (sums, weights and updates float32)%n",
                    convolutions);
        }

        Augmentation augmentation = augmentation(hp);
        ImageBatchIterator validation = split.validation().isEmpty() ? null : ImageBatchIterator.forEvaluation(
                split.validation(), dataset.classes(), spec, data, batch, dataset.multiLabel());
        boolean flips = hp.getBoolean("average_horizontal_flips");
        // Precise BN: batch-norm statistics recomputed after each epoch on a fixed, unaugmented slice of the
        // training set, so validation and the checkpoint use statistics of the final weights.
        int preciseBnBatches = hp.getInt("precise_bn_batches");
        List<ImageRecord> bnRecords = new ArrayList<>(trainRecords);
        Collections.shuffle(bnRecords, new Random(seed * 31 + 7));
        ImageBatchIterator bnBatches = preciseBnBatches == 0 ? null : ImageBatchIterator.forEvaluation(
                bnRecords.subList(0, Math.min(bnRecords.size(), preciseBnBatches * batch)), dataset.classes(), spec, data,
                batch, dataset.multiLabel());
        // Each epoch's full evaluation, by epoch: the best one is the final evaluation when there is no test split
        // (re-running it on the reloaded checkpoint cost a third of a short tuning trial).
        Map<Integer, Evaluation> validated = new HashMap<>();
        int[] validatingEpoch = {startEpoch};
        Validator validator = n -> {
            int epochValidated = validatingEpoch[0]++;
            if (bnBatches != null) {
                bnBatches.startEpoch(0);
                PreciseBatchNorm.recompute(n, bnBatches, preciseBnBatches);
            }
            if (validation == null) {
                return Validator.Scores.NONE;
            }
            Evaluation e = Evaluations.evaluate(n, validation, dataset.classes(), dataset.multiLabel(), flips);
            validated.put(epochValidated, e);
            Double map = e.multiLabel() == null ? null : e.multiLabel().meanAveragePrecision();
            return new Validator.Scores(e.loss() == null ? Double.NaN : e.loss(), e.accuracy(), e.macroF1(),
                    map == null ? Double.NaN : map);
        };

        List<ImageBatchIterator> openIterators = new ArrayList<>();
        ImageBatchIterator fullEpochs = perEpoch == trainRecords.size() ? new ImageBatchIterator(trainRecords,
                dataset.classes(), spec, data, batch, augmentation, seed, true, dataset.multiLabel()) : null;
        if (fullEpochs != null) {
            openIterators.add(fullEpochs);
        }
        CheckpointListener checkpoints = new CheckpointListener(request.output(), last, (metrics, completed) ->
                metadata(template, spec, dataset, data, hp, seed, completed, epochMetrics(metrics), provenance), bestEpoch);
        if (previousBest != null) {
            checkpoints.seedBest(previousBest);
        }
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(new ProgressPrinter(log, System.console() != null));
        listeners.add(new EarlyStopping(hp.getInt("early_stopping_patience"), bestEpoch));
        listeners.add(checkpoints);
        listeners.addAll(extraListeners);
        TrainingOutcome outcome;
        try {
            outcome = new FitLoop(listeners, bestEpoch).run(net, epoch -> {
                if (fullEpochs != null) {
                    fullEpochs.startEpoch(epoch);
                    return fullEpochs;
                }
                // num_items_per_epoch: a fresh seeded subset of the training set every epoch
                List<ImageRecord> subset = new ArrayList<>(trainRecords);
                Collections.shuffle(subset, new Random(seed * 7919 + epoch));
                ImageBatchIterator it = new ImageBatchIterator(subset.subList(0, perEpoch), dataset.classes(), spec, data,
                        batch, augmentation, seed + epoch, true, dataset.multiLabel());
                openIterators.forEach(ImageBatchIterator::close);
                openIterators.clear();
                openIterators.add(it);
                return it;
            }, batchesPerEpoch, validator, startEpoch, epochs, seed, cancel);
        } finally {
            // Release the decoder threads even when training fails.
            openIterators.forEach(ImageBatchIterator::close);
            if (validation != null) {
                validation.close();
            }
            if (bnBatches != null) {
                bnBatches.close();
            }
        }

        Evaluation evaluation = null;
        String sha = null;
        // Only a checkpoint of this run (or of the run it resumed) counts, never a stale file from another run.
        if (checkpoints.bestEpoch() != null || previousBest != null) {
            Checkpoints.Loaded best = Checkpoints.read(request.output(), false);
            List<ImageRecord> finalSet = split.test().isEmpty() ? split.validation() : split.test();
            EpochMetrics bestMetrics = checkpoints.bestEpoch();
            if (split.test().isEmpty() && bestMetrics != null && validated.containsKey(bestMetrics.epoch())) {
                evaluation = validated.get(bestMetrics.epoch());      // the checkpoint holds exactly that network
            } else if (outcome.status() == TrainingOutcome.Status.CANCELLED) {
                // Stopped by the user (Ctrl-C): a test-split evaluation can take minutes, and resuming to the end
                // evaluates anyway. The checkpoint is written now, without it.
                log.println("stopped: the best epoch is saved; the final evaluation runs when the run is resumed to "
                        + "its end");
            } else if (!finalSet.isEmpty()) {
                try (ImageBatchIterator it = ImageBatchIterator.forEvaluation(finalSet, dataset.classes(), spec, data,
                        batch, dataset.multiLabel())) {
                    evaluation = Evaluations.evaluate(best.network(), it, dataset.classes(), dataset.multiLabel(), flips);
                }
            }
            Map<String, Object> metrics = new LinkedHashMap<>(best.metadata().metrics());
            metrics.put("history", outcome.history().stream().map(TrainingJob::epochMetrics).toList());
            metrics.put("status", outcome.status().name());
            if (evaluation != null) {
                metrics.put("evaluation", JSON.readValue(evaluation.toJson(), new TypeReference<Map<String, Object>>() { }));
                metrics.put("evaluatedOn", split.test().isEmpty() ? "validation" : "test");
            }
            sha = Checkpoints.write(request.output(), best.network(), new CheckpointMetadata(CheckpointMetadata.FORMAT,
                    template.name(), spec, dataset.classes(), data, hp.values(), metrics, dataset.contentHash(), seed, seed,
                    best.metadata().epoch(), Versions.current(), Instant.now().toString(), provenance));
        }
        return new Result(request.output(), sha, evaluation, outcome, imported, (System.nanoTime() - started) / 1e9);
    }

    /** The architecture for this dataset: classes from the data, sizes and head from the hyperparameters. */
    static TemplateSpec spec(Hyperparameters hp, ImageDataset dataset) {
        HeadActivation head = HeadActivation.fromLogreg(hp.getInt("logreg"));
        if (dataset.multiLabel() && head == HeadActivation.SOFTMAX) {
            throw new IllegalArgumentException("this dataset is multi-label (images with several labels): it needs "
                    + "independent sigmoid outputs, logreg=1, not logreg=0");
        }
        int size = hp.getInt("image_size");
        return new TemplateSpec(dataset.classes().size(), size, size, 3, hp.getDouble("width_multiplier"),
                hp.getInt("embedding_size"), hp.getDouble("cosine_scale"), head);
    }

    /** The template's preprocessing at the chosen input size. */
    public static DataConfig dataConfig(Template template, int size) {
        DataConfig d = template.defaults().data();
        return new DataConfig(size, d.channelOrder(), d.mean(), d.std());
    }

    /** The training-time augmentation the hyperparameters ask for. */
    public static Augmentation augmentation(Hyperparameters hp) {
        Augmentation a = Augmentation.none()
                .withFlip(hp.getDouble("flip_probability"),
                        Augmentation.FlipDirection.valueOf(hp.getString("flip_direction").toUpperCase(Locale.ROOT)))
                .withMixup(hp.getDouble("mixup_alpha"))
                .withCutmix(hp.getDouble("cutmix_alpha"))
                .withLabelSmoothing(hp.getDouble("label_smoothing"))
                .withRandAugment(hp.getInt("randaugment_ops"), hp.getDouble("randaugment_magnitude"));
        double minArea = hp.getDouble("random_resized_crop");
        if (minArea > 0) {
            a = a.withRandomResizedCrop(new Augmentation.RandomResizedCrop(minArea, 1.0, 3.0 / 4, 4.0 / 3));
        }
        return a;
    }

    private static void initialiseBackbone(Template template, Hyperparameters hp, Request request, ComputationGraph net,
                                           TemplateGraph graph, PrintWriter log, Map<String, Object> provenance)
            throws IOException {
        String weights = hp.getString("pretrained_weights");
        if (!"none".equalsIgnoreCase(weights)) {
            WeightsRegistry.Entry entry = new WeightsRegistry(request.home().weights()).resolve(template.name(), weights);
            ComputationGraph source = Checkpoints.read(entry.file(), false).network();
            long copied = BackboneTransfer.copyBackbone(source, "pretrained weights '" + weights + "'", net, graph);
            log.printf(Locale.ROOT, "backbone: %,d values from pretrained weights '%s' (%s)%n", copied, weights, entry.file());
            provenance.put("pretrainedWeights", Map.of("name", weights, "file", entry.file().toString(), "sha256", entry.sha256()));
        } else if (template.defaults().pretrained()) {
            requireStartingWeights(template, hp, request);
            log.println("note: " + template.name() + " starts from random weights (--random-init)");
        }
        int frozen = hp.getInt("frozen_blocks");
        if (frozen > 0 && "none".equalsIgnoreCase(weights)) {
            log.printf("warning: frozen_blocks=%d keeps the first %d backbone blocks at their random initial weights "
                    + "(no pretrained_weights); set frozen_blocks=0 unless that is the point%n", frozen, frozen);
        }
    }

    /** Weights that are registered, or none where the template may start from random ones. */
    private static void requireStartingWeights(Template template, Hyperparameters hp, Request request)
            throws IOException {
        String weights = hp.getString("pretrained_weights");
        if (!"none".equalsIgnoreCase(weights)) {
            new WeightsRegistry(request.home().weights()).requireRegistered(template.name(), weights);
        } else if (template.defaults().pretrained() && !request.allowRandomInit()) {
            throw new IllegalArgumentException(template.name() + " is meant to start from pretrained weights, but "
                    + "pretrained_weights=None. Register weights ('templatelab pretrain' or 'templatelab weights "
                    + "import') and pass --set pretrained_weights=NAME, or pass --random-init to train from random weights.");
        }
    }

    private static void requireCompatible(CheckpointMetadata m, Template template, TemplateSpec spec, ImageDataset dataset,
                                          Hyperparameters hp, Path file) {
        List<String> network = networkDifferences(m, template, spec, dataset);
        if (!network.isEmpty()) {
            throw new IllegalArgumentException("cannot resume from " + file + ": it holds another network than this run "
                    + "builds: " + String.join(", ", network) + "; resume with the template, classes and settings it was "
                    + "started with, or start afresh (train --overwrite)");
        }
        if (!m.datasetHash().equals(dataset.contentHash())) {
            throw new IllegalArgumentException("cannot resume from " + file + ": the dataset changed since (content hash "
                    + m.datasetHash() + " vs " + dataset.contentHash() + "); resume on the images it was trained on, or "
                    + "start afresh (train --overwrite)");
        }
        // The saved network carries its updater, schedule, frozen layers and head dropout, and the split follows the
        // seed and fractions: a resumed run continues with what it was started with, or it would train with some
        // settings and record others.
        List<String> changed = new ArrayList<>();
        m.hyperparameters().forEach((name, saved) -> {
            Object now = hp.values().get(name);
            if (now != null && !RESUMABLE_CHANGES.contains(name) && !sameValue(saved, now)) {
                changed.add(name + "=" + saved + " (not " + now + ")");
            }
        });
        if (!changed.isEmpty()) {
            throw new IllegalArgumentException("cannot resume from " + file + ": it was trained with " + String.join(", ",
                    changed) + "; a resumed run keeps its settings (only " + String.join(" and ", RESUMABLE_CHANGES)
                    + " may change): resume with those values, or start afresh (train --overwrite)");
        }
    }

    /** What makes the saved network another one than this run builds, by the names the user sets them with. */
    private static List<String> networkDifferences(CheckpointMetadata m, Template template, TemplateSpec spec,
                                                   ImageDataset dataset) {
        List<String> differences = new ArrayList<>();
        if (!m.template().equals(template.name())) {
            differences.add(m.template() + " (not " + template.name() + ")");
        }
        if (!m.labels().equals(dataset.classes())) {
            differences.add("classes " + m.labels() + " (not " + dataset.classes() + ")");
        }
        TemplateSpec was = m.spec();
        if (was.height() != spec.height() || was.width() != spec.width()) {
            differences.add("input " + was.width() + "x" + was.height() + " (not " + spec.width() + "x" + spec.height()
                    + ")");
        }
        if (was.channels() != spec.channels()) {
            differences.add(was.channels() + " input channel(s) (not " + spec.channels() + ")");
        }
        if (was.widthMultiplier() != spec.widthMultiplier()) {
            differences.add("width_multiplier=" + was.widthMultiplier() + " (not " + spec.widthMultiplier() + ")");
        }
        if (was.embeddingSize() != spec.embeddingSize()) {
            differences.add("embedding_size=" + was.embeddingSize() + " (not " + spec.embeddingSize() + ")");
        }
        if (was.cosineScale() != spec.cosineScale()) {
            differences.add("cosine_scale=" + was.cosineScale() + " (not " + spec.cosineScale() + ")");
        }
        if (was.head() != spec.head()) {
            differences.add(was.head().name().toLowerCase(Locale.ROOT) + " outputs (not "
                    + spec.head().name().toLowerCase(Locale.ROOT) + ": logreg)");
        }
        if (differences.isEmpty() && !was.equals(spec)) {   // a field added to the spec and not listed above
            differences.add(was + " (not " + spec + ")");
        }
        return differences;
    }

    /** Settings a resumed run may change: how long it trains. */
    private static final List<String> RESUMABLE_CHANGES = List.of("num_epochs", "early_stopping_patience");

    private static boolean sameValue(Object saved, Object now) {
        if (saved instanceof Number a && now instanceof Number b) {
            return a.doubleValue() == b.doubleValue();
        }
        return String.valueOf(saved).equalsIgnoreCase(String.valueOf(now));
    }

    private static CheckpointMetadata metadata(Template template, TemplateSpec spec, ImageDataset dataset, DataConfig data,
                                               Hyperparameters hp, long seed, int epochs, Map<String, Object> metrics,
                                               Map<String, Object> provenance) {
        return new CheckpointMetadata(CheckpointMetadata.FORMAT, template.name(), spec, dataset.classes(), data, hp.values(),
                metrics, dataset.contentHash(), seed, seed, epochs, Versions.current(), Instant.now().toString(), provenance);
    }

    /** The metrics of the epoch a checkpoint holds, e.g. to resume a run's notion of its best epoch. */
    public static EpochMetrics epochOf(Path checkpoint) throws IOException {
        return bestOf(Checkpoints.readMetadata(checkpoint));
    }

    /** The best-epoch metrics recorded in a checkpoint (as written by {@link #epochMetrics}). */
    private static EpochMetrics bestOf(CheckpointMetadata m) {
        Map<String, Object> x = m.metrics();
        return new EpochMetrics(((Number) x.getOrDefault("epoch", m.epoch() - 1)).intValue(), number(x, "trainLoss"),
                number(x, "validationLoss"), number(x, "validationAccuracy"), number(x, "validationMacroF1"),
                number(x, "learningRate"), number(x, "imagesPerSecond"), number(x, "seconds"), number(x, "validationMap"));
    }

    private static double number(Map<String, Object> map, String key) {
        return map.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** Epoch metrics as JSON-safe values (NaN becomes absent). */
    static Map<String, Object> epochMetrics(EpochMetrics m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("epoch", m.epoch());
        put(out, "trainLoss", m.trainLoss());
        put(out, "validationLoss", m.validationLoss());
        put(out, "validationAccuracy", m.validationAccuracy());
        put(out, "validationMacroF1", m.validationMacroF1());
        put(out, "learningRate", m.learningRate());
        put(out, "imagesPerSecond", m.imagesPerSecond());
        put(out, "seconds", m.seconds());
        put(out, "validationMap", m.validationMap());
        return out;
    }

    private static void put(Map<String, Object> map, String key, double value) {
        if (!Double.isNaN(value) && !Double.isInfinite(value)) {
            map.put(key, value);
        }
    }
}
