package dev.templatelab.training.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.checkpoint.CheckpointMetadata;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.checkpoint.Versions;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.Hyperparameters;
import dev.templatelab.training.optim.Optimizers;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.junit.jupiter.api.io.TempDir;

class FitLoopTest {

    private static final long SEED = 7;
    private static final int BATCH = 8;
    private final TinyProblem problem = new TinyProblem(48, 3);

    private static Hyperparameters hp(int epochs) {
        // Any template's schema works for the toy network; the values are what matter.
        return HyperparameterSchema.resolve(TemplateRegistry.standard().get("Clarifai_InceptionV2"),
                Map.of("num_epochs", String.valueOf(epochs), "lrate", "0.05", "lr_schedule", "cosine",
                        "updater", "nesterovs", "weight_decay", "0.0001"));
    }

    private ComputationGraph freshNetwork(int epochs) {
        TemplateGraph g = Optimizers.forTraining(TinyProblem.network(), hp(epochs), problem.batchesPerEpoch(BATCH));
        return g.newNetwork(SEED);
    }

    private TrainingOutcome train(ComputationGraph net, int from, int epochs, List<TrainingListener> listeners,
                                  CancellationToken cancel) {
        return new FitLoop(listeners).run(net, e -> problem.epoch(SEED, e, BATCH), problem.batchesPerEpoch(BATCH),
                problem.validator(), from, epochs, SEED, cancel);
    }

    @Test
    void learnsTheToyTaskAndReportsEveryEpoch() {
        Recorder recorder = new Recorder();
        List<EpochMetrics> seen = recorder.epochs;
        AtomicInteger batches = recorder.batches;
        TrainingOutcome outcome = train(freshNetwork(6), 0, 6, List.of(recorder), new CancellationToken());
        assertThat(outcome.status()).isEqualTo(TrainingOutcome.Status.COMPLETED);
        assertThat(seen).hasSize(6).extracting(EpochMetrics::epoch).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(batches.get()).isEqualTo(6 * problem.batchesPerEpoch(BATCH));
        assertThat(outcome.best()).get().extracting(EpochMetrics::validationAccuracy).isEqualTo(1.0);
        assertThat(seen.get(5).trainLoss()).isLessThan(seen.get(0).trainLoss());
        // cosine schedule: the rate falls over the run
        assertThat(seen.get(5).learningRate()).isLessThan(seen.get(0).learningRate());
    }

    @Test
    void aLossThatBecomesNaNStopsTrainingAtOnceNamingWhere() {
        // Epoch 1's third minibatch carries NaN pixels: its loss is NaN, as after a too-large step.
        IntFunction<DataSetIterator> poisoned = e -> {
            List<org.nd4j.linalg.dataset.DataSet> batches = new ArrayList<>();
            problem.epoch(SEED, e, BATCH).forEachRemaining(b -> batches.add((org.nd4j.linalg.dataset.DataSet) b));
            if (e == 1) {
                org.nd4j.linalg.dataset.DataSet bad = batches.get(2);
                batches.set(2, new org.nd4j.linalg.dataset.DataSet(bad.getFeatures().dup().assign(Double.NaN), bad.getLabels()));
            }
            return new BatchList(batches);
        };
        Recorder recorder = new Recorder();
        List<EpochMetrics> seen = recorder.epochs;
        AtomicInteger batches = recorder.batches;
        TrainingDivergedException e = catchThrowableOfType(() -> new FitLoop(List.of(recorder)).run(freshNetwork(5),
                poisoned, problem.batchesPerEpoch(BATCH), problem.validator(), 0, 5, SEED, new CancellationToken()),
                TrainingDivergedException.class);
        assertThat(e).isNotNull();
        assertThat(e.epoch()).isEqualTo(1);
        assertThat(e.batch()).isEqualTo(3);
        assertThat(e.loss()).isNaN();
        assertThat(e).hasMessage("training diverged: the loss became NaN at epoch 2, batch 3 of "
                + problem.batchesPerEpoch(BATCH) + "; learning rate too high? Lower lrate / per_item_lrate");
        // stopped on the bad minibatch: epoch 0 reported, nothing trained after it
        assertThat(seen).extracting(EpochMetrics::epoch).containsExactly(0);
        assertThat(batches.get()).isEqualTo(problem.batchesPerEpoch(BATCH) + 2);
    }

    @Test
    void earlyStoppingEndsAfterPatienceEpochsWithoutImprovement() {
        // A validator that never improves after epoch 0.
        AtomicInteger calls = new AtomicInteger();
        Validator flat = net -> new Validator.Scores(1.0, calls.getAndIncrement() == 0 ? 0.9 : 0.5, 0.5);
        TrainingOutcome outcome = new FitLoop(List.of(new EarlyStopping(2))).run(freshNetwork(10),
                e -> problem.epoch(SEED, e, BATCH), problem.batchesPerEpoch(BATCH), flat, 0, 10, SEED, new CancellationToken());
        assertThat(outcome.status()).isEqualTo(TrainingOutcome.Status.STOPPED_EARLY);
        assertThat(outcome.history()).hasSize(3);
        assertThat(outcome.best()).get().extracting(EpochMetrics::epoch).isEqualTo(0);
    }

    @Test
    void thePrunerEndsATrialAndKeepsItsCurve() {
        List<Double> reported = new ArrayList<>();
        IntermediateReporter reporter = new IntermediateReporter(EpochMetrics::validationAccuracy,
                (epoch, value) -> reported.add(value) && epoch == 1);
        TrainingOutcome outcome = train(freshNetwork(5), 0, 5, List.of(reporter), new CancellationToken());
        assertThat(outcome.status()).isEqualTo(TrainingOutcome.Status.PRUNED);
        assertThat(outcome.history()).hasSize(2);
        assertThat(reported).hasSize(2);
    }

    @Test
    void cancellationStopsAfterTheCurrentMinibatch() {
        CancellationToken cancel = new CancellationToken();
        AtomicInteger batches = new AtomicInteger();
        TrainingListener canceller = new TrainingListener() {
            @Override
            public void onBatch(TrainingContext c, BatchProgress p) {
                if (batches.incrementAndGet() == 3) {
                    cancel.cancel();
                }
            }
        };
        TrainingOutcome outcome = train(freshNetwork(5), 0, 5, List.of(canceller), cancel);
        assertThat(outcome.status()).isEqualTo(TrainingOutcome.Status.CANCELLED);
        assertThat(batches.get()).isEqualTo(3);
        assertThat(outcome.history()).isEmpty();
    }

    @Test
    void resumingFromAnEpochCheckpointGivesTheUninterruptedResult(@TempDir Path dir) throws Exception {
        ComputationGraph uninterrupted = freshNetwork(4);
        TrainingOutcome full = train(uninterrupted, 0, 4, List.of(), new CancellationToken());

        ComputationGraph first = freshNetwork(4);
        train(first, 0, 2, List.of(), new CancellationToken());
        Path ckpt = dir.resolve("epoch-2.tlckpt");
        Checkpoints.write(ckpt, first, metadata(2));
        ComputationGraph resumed = Checkpoints.read(ckpt, true).network();
        TrainingOutcome rest = train(resumed, 2, 4, List.of(), new CancellationToken());

        assertThat(rest.history()).hasSize(2);
        for (int i = 0; i < 2; i++) {
            EpochMetrics a = full.history().get(2 + i);
            EpochMetrics b = rest.history().get(i);
            assertThat(b.trainLoss()).isCloseTo(a.trainLoss(), org.assertj.core.data.Offset.offset(1e-5));
            assertThat(b.validationLoss()).isCloseTo(a.validationLoss(), org.assertj.core.data.Offset.offset(1e-5));
            assertThat(b.learningRate()).isCloseTo(a.learningRate(), org.assertj.core.data.Offset.offset(1e-9));
        }
        double maxDiff = resumed.params().sub(uninterrupted.params()).amaxNumber().doubleValue();
        assertThat(maxDiff).as("max parameter difference, resumed vs uninterrupted").isLessThan(1e-4);
    }

    static CheckpointMetadata metadata(int epoch) {
        return new CheckpointMetadata(CheckpointMetadata.FORMAT, "toy", TinyProblem.SPEC, List.of("left", "right"),
                dev.templatelab.architectures.DataConfig.imagenet(32), hp(4).values(), Map.of("epoch", epoch), "hash",
                1, SEED, epoch, Versions.current(), Instant.now().toString(), Map.of());
    }

    /** Records every epoch's metrics and counts minibatches. */
    private static final class Recorder implements TrainingListener {
        final List<EpochMetrics> epochs = new ArrayList<>();
        final AtomicInteger batches = new AtomicInteger();

        @Override
        public void onBatch(TrainingContext c, BatchProgress p) {
            batches.incrementAndGet();
        }

        @Override
        public Decision onEpoch(TrainingContext c, EpochMetrics m) {
            epochs.add(m);
            return Decision.CONTINUE;
        }
    }
}
