package dev.templatelab.web;

import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.experiments.Budget;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.NewExperiment;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.trials.ClaimedTrial;
import dev.templatelab.storage.trials.NewTrial;
import dev.templatelab.storage.trials.TrialParam;
import dev.templatelab.storage.trials.TrialResult;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.FloatDistribution;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Test inputs: dataset zips (good and hostile) and experiments with finished trials written through storage. */
public final class TestData {

    public static final String INCEPTION_V2 = "Clarifai_InceptionV2";
    public static final String BN_INCEPTION = "Clarifai_InceptionBatchNorm";
    private static final AtomicInteger UNIQUE = new AtomicInteger();

    private TestData() {
    }

    /** A unique name with this prefix. */
    public static String unique(String prefix) {
        return prefix + "-" + System.nanoTime() % 1_000_000 + "-" + UNIQUE.incrementAndGet();
    }

    /** A zip of {@code root/<class>/<n>.png}: distinct random 16x16 images (no duplicates). */
    public static byte[] datasetZip(List<String> classes, int perClass, long seed) throws IOException {
        Random random = new Random(seed);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String c : classes) {
                for (int i = 0; i < perClass; i++) {
                    zip.putNextEntry(new ZipEntry("data/" + c + "/" + i + ".png"));
                    zip.write(png(random));
                    zip.closeEntry();
                }
            }
        }
        return bytes.toByteArray();
    }

    /** A zip whose one entry climbs out of the extraction folder ({@code ../}). */
    public static byte[] escapingZip() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Random random = new Random(1);
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String entry : List.of("data/a/0.png", "data/b/0.png", "../escaped.png")) {
                zip.putNextEntry(new ZipEntry(entry));
                zip.write(png(random));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] png(Random random) throws IOException {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                image.setRGB(x, y, random.nextInt(0xFFFFFF));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** A dataset record (no upload) with classes a and b. */
    public static DatasetInfo dataset(DatasetService datasets, Path folder) throws IOException {
        Files.createDirectories(folder);
        return datasets.register(new NewDataset(unique("ds"), List.of("a", "b"), 20, Map.of("a", 10, "b", 10), null,
                URI.create(folder.toUri().toString())));
    }

    /** What {@link #finishedExperiment} made. */
    public record Finished(ExperimentInfo experiment, List<Long> trialIds, byte[] bestCheckpoint, long bestTrialId) {
    }

    /**
     * An experiment of two templates with two COMPLETE trials each (accuracies 0.6/0.7 for BN-Inception,
     * 0.8/0.9 for Inception-v2), written as a worker would: claim, epochs, checkpoint, evaluation, complete.
     */
    public static Finished finishedExperiment(ExperimentService experiments, TrialService trials,
                                              CheckpointService checkpoints, long datasetId) {
        String space = "{}";
        List<NewTrial> newTrials = new ArrayList<>();
        for (String template : List.of(BN_INCEPTION, BN_INCEPTION, INCEPTION_V2, INCEPTION_V2)) {
            newTrials.add(new NewTrial(template, List.of(
                    TrialParam.ofNumber("lrate", 0.01 * (newTrials.size() + 1),
                            FloatDistribution.logUniform(0.001, 0.1).toJson()),
                    TrialParam.ofChoice("batch_size", 16, 0, CategoricalDistribution.fixed(16).toJson()))));
        }
        ExperimentInfo experiment = experiments.create(new NewExperiment(unique("exp"), datasetId,
                List.of(BN_INCEPTION, INCEPTION_V2), space, "random", "none", Budget.of(4, 2), Metric.VAL_ACCURACY,
                Direction.MAXIMIZE, 1, "admin"), newTrials);
        double[] accuracy = {0.6, 0.7, 0.8, 0.9};
        List<Long> ids = new ArrayList<>();
        byte[] best = null;
        long bestId = -1;
        for (int i = 0; i < 4; i++) {
            ClaimedTrial claimed = trials.claimNext(experiment.id(), "test-worker").orElseThrow();
            long id = claimed.trial().id();
            ids.add(id);
            trials.reportEpoch(id, new EpochMetrics(0, 1.0, 0.9, accuracy[i] - 0.1, accuracy[i] - 0.1, 0.01, 100.0));
            trials.reportEpoch(id, new EpochMetrics(1, 0.7, 0.6, accuracy[i], accuracy[i], 0.01, 100.0));
            byte[] checkpoint = ("checkpoint of trial " + id + " ").repeat(50).getBytes();
            checkpoints.save(id, 1, new ByteArrayInputStream(checkpoint), true);
            trials.recordEvaluation(id, "[{\"class\":\"a\",\"precision\":0.9,\"recall\":0.8,\"f1\":0.85,\"support\":5},"
                            + "{\"class\":\"b\",\"precision\":0.8,\"recall\":0.9,\"f1\":0.85,\"support\":5}]",
                    "[[4,1],[1,4]]");
            trials.complete(claimed.lease(), new TrialResult(accuracy[i], 1, 2.0, null));
            if (i == 3) {
                best = checkpoint;
                bestId = id;
            }
        }
        return new Finished(experiments.get(experiment.id()), ids, best, bestId);
    }

    /** An experiment with one COMPLETE Inception-v2 trial (accuracy 0.75) whose best checkpoint is {@code checkpoint}. */
    public static Finished experimentWithCheckpoint(ExperimentService experiments, TrialService trials,
                                                    CheckpointService checkpoints, long datasetId, byte[] checkpoint) {
        ExperimentInfo experiment = experiments.create(new NewExperiment(unique("one"), datasetId, List.of(INCEPTION_V2),
                "{}", "random", "none", Budget.of(1, 1), Metric.VAL_ACCURACY, Direction.MAXIMIZE, 1, "admin"),
                List.of(new NewTrial(INCEPTION_V2, List.of(TrialParam.ofNumber("lrate", 0.01, "{\"type\":\"float\"}")))));
        ClaimedTrial claimed = trials.claimNext(experiment.id(), "test-worker").orElseThrow();
        long id = claimed.trial().id();
        trials.reportEpoch(id, new EpochMetrics(0, 1.0, 0.9, 0.75, 0.75, 0.01, 100.0));
        checkpoints.save(id, 0, new ByteArrayInputStream(checkpoint), true);
        trials.complete(claimed.lease(), new TrialResult(0.75, 0, 2.0, null));
        return new Finished(experiments.get(experiment.id()), List.of(id), checkpoint, id);
    }

    /** What {@link #cancelledExperiment} made: the trial that was running and the one that was waiting. */
    public record Cancelled(ExperimentInfo experiment, long runningTrialId, long waitingTrialId, byte[] checkpoint) {
    }

    /**
     * An experiment cancelled (through {@link ExperimentService#cancel}) while one trial was running and one waiting.
     * The running trial recorded two epochs (accuracy 0.5, then 0.7); with {@code checkpointed}, the cancel came
     * between epoch 2's metrics and its checkpoint, so only epoch 1 has one; without, it came before any checkpoint.
     */
    public static Cancelled cancelledExperiment(ExperimentService experiments, TrialService trials,
                                                CheckpointService checkpoints, long datasetId, boolean checkpointed) {
        List<NewTrial> newTrials = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            newTrials.add(new NewTrial(INCEPTION_V2, List.of(TrialParam.ofNumber("lrate", 0.01 * (i + 1),
                    "{\"type\":\"float\"}"))));
        }
        ExperimentInfo experiment = experiments.create(new NewExperiment(unique("cancelled"), datasetId,
                List.of(INCEPTION_V2), "{}", "random", "none", Budget.of(2, 3), Metric.VAL_ACCURACY, Direction.MAXIMIZE,
                1, "admin"), newTrials);
        ClaimedTrial running = trials.claimNext(experiment.id(), "test-worker").orElseThrow();
        long id = running.trial().id();
        trials.reportEpoch(id, new EpochMetrics(0, 1.0, 0.9, 0.5, 0.5, 0.01, 100.0));
        byte[] checkpoint = ("checkpoint of cancelled trial " + id + " ").repeat(50).getBytes();
        if (checkpointed) {
            checkpoints.save(id, 0, new ByteArrayInputStream(checkpoint), true);
        }
        trials.reportEpoch(id, new EpochMetrics(1, 0.7, 0.6, 0.7, 0.7, 0.01, 100.0));
        trials.flushMetrics();
        experiments.cancel(experiment.id());
        long waiting = trials.find(experiment.id(), 1).orElseThrow().id();
        return new Cancelled(experiments.get(experiment.id()), id, waiting, checkpointed ? checkpoint : null);
    }
}
