package dev.templatelab.training.pipeline;

import static dev.templatelab.training.pipeline.TestImages.RAW;
import static dev.templatelab.training.pipeline.TestImages.spec;
import static dev.templatelab.training.pipeline.TestImages.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.data.ImageRecord;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ImageBatchIteratorTest {

    private static final int N = 10;
    private static final List<String> CLASSES = IntStream.range(0, N).mapToObj(i -> "c" + i).toList();
    private static final TemplateSpec SPEC = spec(N, 32, 32, 3);

    @TempDir
    Path dir;
    /** Record i: a flat PNG of colour (20i, 255 - 20i, 7i), class "c" + i. */
    private List<ImageRecord> flat;

    @BeforeEach
    void writeImages() {
        flat = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            Path file = write(dir, "flat" + i + ".png", TestImages.solid(40, 40, new Color(20 * i, 255 - 20 * i, 7 * i)),
                    "png");
            flat.add(new ImageRecord(file, List.of("c" + i)));
        }
    }

    private ImageBatchIterator iterator(List<ImageRecord> records, int batch, Augmentation augmentation, long seed,
                                        boolean shuffle) {
        return new ImageBatchIterator(records, CLASSES, SPEC, RAW, batch, augmentation, seed, shuffle, false);
    }

    /** The record index of every example of an epoch, read from the one-hot targets. */
    private static List<Integer> epochOrder(ImageBatchIterator iterator) {
        List<Integer> order = new ArrayList<>();
        while (iterator.hasNext()) {
            DataSet batch = iterator.next();
            for (int i = 0; i < batch.numExamples(); i++) {
                order.add(batch.getLabels().getRow(i).argMax().getInt(0));
            }
        }
        return order;
    }

    @Test
    void batchesHaveNchwFeaturesOneHotTargetsAndAPartialLastBatch() {
        try (ImageBatchIterator it = iterator(flat, 4, Augmentation.none(), 1, true)) {
            List<Integer> sizes = new ArrayList<>();
            Set<Integer> seen = new HashSet<>();
            while (it.hasNext()) {
                DataSet batch = it.next();
                int b = batch.numExamples();
                sizes.add(b);
                assertThat(batch.getFeatures().shape()).containsExactly(b, 3, 32, 32);
                assertThat(batch.getLabels().shape()).containsExactly(b, N);
                for (int i = 0; i < b; i++) {
                    int record = batch.getLabels().getRow(i).argMax().getInt(0);
                    assertThat(batch.getLabels().getRow(i).sumNumber().floatValue()).isEqualTo(1f);
                    assertThat(seen.add(record)).as("record " + record + " visited once").isTrue();
                    // The features are the image of the labelled record.
                    assertThat(batch.getFeatures().getFloat(i, 0, 7, 7)).isCloseTo(20f * record, within(1e-3f));
                    assertThat(batch.getFeatures().getFloat(i, 2, 7, 7)).isCloseTo(7f * record, within(1e-3f));
                }
            }
            assertThat(sizes).containsExactly(4, 4, 2);
            assertThat(seen).hasSize(N);
            assertThat(it.batchesPerEpoch()).isEqualTo(3);
        }
    }

    @Test
    void reportsItsShapeAndLabels() {
        try (ImageBatchIterator it = iterator(flat, 4, Augmentation.none(), 1, true)) {
            assertThat(it.inputColumns()).isEqualTo(3 * 32 * 32);
            assertThat(it.totalOutcomes()).isEqualTo(N);
            assertThat(it.batch()).isEqualTo(4);
            assertThat(it.resetSupported()).isTrue();
            assertThat(it.asyncSupported()).isFalse();
            assertThat(it.getLabels()).isEqualTo(CLASSES);
            assertThat(it.numExamples()).isEqualTo(N);
        }
    }

    @Test
    void sameSeedGivesIdenticalBatchesWhateverTheThreadCount() {
        List<ImageRecord> photos = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            photos.add(new ImageRecord(write(dir, "p" + i + ".jpg", TestImages.photoLike(50 + 7 * i, 60, i), "jpg"),
                    List.of("c" + i % N)));
        }
        Augmentation heavy = Augmentation.none().withFlip(0.5, Augmentation.FlipDirection.HORIZONTAL)
                .withRandomResizedCrop(Augmentation.RandomResizedCrop.standard()).withRandAugment(2, 9)
                .withMixup(0.2).withCutmix(1.0).withLabelSmoothing(0.1);
        try (ImageBatchIterator a = new ImageBatchIterator(photos, CLASSES, SPEC, RAW, 5, heavy, 7, true, false, 1, 2);
             ImageBatchIterator b = new ImageBatchIterator(photos, CLASSES, SPEC, RAW, 5, heavy, 7, true, false, 2, 3);
             ImageBatchIterator c = new ImageBatchIterator(photos, CLASSES, SPEC, RAW, 5, heavy, 8, true, false, 2, 3)) {
            for (int batch = 0; batch < 3; batch++) {
                DataSet x = a.next();
                DataSet y = b.next();
                DataSet z = c.next();
                assertThat(x.getFeatures().data().asFloat()).containsExactly(y.getFeatures().data().asFloat());
                assertThat(x.getLabels().data().asFloat()).containsExactly(y.getLabels().data().asFloat());
                assertThat(x.getFeatures().data().asFloat()).isNotEqualTo(z.getFeatures().data().asFloat());
            }
        }
    }

    @Test
    void resetStartsTheNextEpochWithANewShuffleOfAllRecords() {
        try (ImageBatchIterator it = iterator(flat, 3, Augmentation.none(), 5, true);
             ImageBatchIterator fresh = iterator(flat, 3, Augmentation.none(), 5, true)) {
            List<Integer> epoch0 = epochOrder(it);
            it.reset();
            List<Integer> epoch1 = epochOrder(it);
            fresh.startEpoch(1);
            List<Integer> epoch1Again = epochOrder(fresh);

            assertThat(epoch0).containsExactlyInAnyOrderElementsOf(IntStream.range(0, N).boxed().toList());
            assertThat(epoch1).containsExactlyInAnyOrderElementsOf(IntStream.range(0, N).boxed().toList());
            assertThat(epoch1).isNotEqualTo(epoch0);
            assertThat(epoch1Again).isEqualTo(epoch1);
            assertThat(it.epoch()).isEqualTo(1);
        }
    }

    @Test
    void resetMidEpochRestartsFromTheFirstBatch() {
        try (ImageBatchIterator it = iterator(flat, 3, Augmentation.none(), 5, true)) {
            it.next();
            it.reset();
            assertThat(epochOrder(it)).hasSize(N);
        }
    }

    @Test
    void withoutShuffleRecordsComeInTheirOrder() {
        try (ImageBatchIterator it = iterator(flat, 4, Augmentation.none(), 5, false)) {
            assertThat(epochOrder(it)).isEqualTo(IntStream.range(0, N).boxed().toList());
        }
    }

    @Test
    void multiLabelRecordsGetMultiHotTargets() {
        List<ImageRecord> records = List.of(
                new ImageRecord(flat.get(0).file(), List.of("c0", "c2")),
                new ImageRecord(flat.get(1).file(), List.of("c1")));

        try (ImageBatchIterator multi = new ImageBatchIterator(records, CLASSES, SPEC, RAW, 2, Augmentation.none(),
                1, false, true);
             ImageBatchIterator single = new ImageBatchIterator(records, CLASSES, SPEC, RAW, 2, Augmentation.none(),
                     1, false, false)) {
            float[] multiHot = multi.next().getLabels().getRow(0).toFloatVector();
            float[] oneHot = single.next().getLabels().getRow(0).toFloatVector();

            assertThat(multiHot).containsExactly(1, 0, 1, 0, 0, 0, 0, 0, 0, 0);
            assertThat(oneHot).containsExactly(1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    @Test
    void smoothsTargetsByHead() {
        Augmentation smoothing = Augmentation.none().withLabelSmoothing(0.1);
        try (ImageBatchIterator softmax = new ImageBatchIterator(flat, CLASSES, SPEC, RAW, 2, smoothing, 1, false,
                false);
             ImageBatchIterator sigmoid = new ImageBatchIterator(flat, CLASSES, SPEC.withHead(HeadActivation.SIGMOID),
                     RAW, 2, smoothing, 1, false, false)) {
            float[] soft = softmax.next().getLabels().getRow(0).toFloatVector();
            float[] sig = sigmoid.next().getLabels().getRow(0).toFloatVector();

            assertThat(soft[0]).isCloseTo(0.9f + 0.01f, within(1e-6f));
            assertThat(soft[1]).isCloseTo(0.01f, within(1e-6f));
            assertThat(sig[0]).isCloseTo(0.95f, within(1e-6f));
            assertThat(sig[1]).isCloseTo(0.05f, within(1e-6f));
        }
    }

    @Test
    void mixedBatchesKeepSoftmaxRowsSummingToOne() {
        Augmentation mixing = Augmentation.none().withMixup(1.0).withCutmix(1.0).withLabelSmoothing(0.1);
        try (ImageBatchIterator it = iterator(flat, 4, mixing, 3, true)) {
            int mixedRows = 0;
            while (it.hasNext()) {
                DataSet batch = it.next();
                for (int i = 0; i < batch.numExamples(); i++) {
                    float[] row = batch.getLabels().getRow(i).toFloatVector();
                    float sum = 0;
                    int above = 0;
                    for (float v : row) {
                        sum += v;
                        above += v > 0.01f + 1e-6f ? 1 : 0;
                    }
                    assertThat(sum).isCloseTo(1f, within(1e-5f));
                    mixedRows += above == 2 ? 1 : 0;
                }
            }
            assertThat(mixedRows).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void rejectsLabelsOutsideTheClasses() {
        List<ImageRecord> records = List.of(new ImageRecord(flat.get(0).file(), List.of("zebra")));

        assertThatThrownBy(() -> iterator(records, 2, Augmentation.none(), 1, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("flat0.png").hasMessageContaining("zebra");
        assertThatThrownBy(() -> new ImageBatchIterator(flat, CLASSES, spec(3, 32, 32, 3), RAW, 2,
                Augmentation.none(), 1, false, false))
                .hasMessageContaining("spec has 3 outputs but there are 10 classes");
        assertThatThrownBy(() -> iterator(flat, 0, Augmentation.none(), 1, false))
                .hasMessageContaining("batchSize must be at least 1");
    }

    @Test
    void anUnreadableFileFailsTheBatchNamingTheFile() throws IOException {
        List<ImageRecord> records = new ArrayList<>(flat);
        Path broken = Files.writeString(dir.resolve("broken.jpg"), "not a jpeg");
        records.set(5, new ImageRecord(broken, List.of("c5")));

        try (ImageBatchIterator it = iterator(records, 4, Augmentation.none(), 1, false)) {
            it.next(); // the first batch: records 0..3 are fine
            assertThatThrownBy(it::next).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("broken.jpg").hasMessageContaining("evaluation batch 2 failed")
                    .hasMessageContaining("delete or replace that file and import the dataset again");
        }
    }

    @Test
    void prefetchesBatchesAheadOfTheConsumerUpToItsLimit() throws InterruptedException {
        try (ImageBatchIterator it = new ImageBatchIterator(flat, CLASSES, SPEC, RAW, 2, Augmentation.none(), 1,
                true, false, 2, 2)) {
            assertThat(it.hasNext()).isTrue(); // starts the epoch; no batch taken yet
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (it.readyBatches() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(it.readyBatches()).as("batches decoded before any next()").isEqualTo(2);
            Thread.sleep(200);
            assertThat(it.readyBatches()).as("no more than prefetchBatches ahead").isEqualTo(2);
            it.next();
            assertThat(it.batchesInFlight()).as("next() refills the window").isEqualTo(2);
            it.next();
            it.next();
            it.next();
            assertThat(it.batchesInFlight()).as("only the last of 5 batches is left").isEqualTo(1);
            it.next();
            assertThat(it.batchesInFlight()).isZero();
            assertThat(it.hasNext()).isFalse();
        }
    }

    @Test
    void closeStopsTheDecoderThreads() throws InterruptedException {
        ImageBatchIterator it = iterator(flat, 4, Augmentation.none(), 1, true);
        it.next();
        assertThat(it.liveThreads()).isNotEmpty()
                .hasSizeLessThanOrEqualTo(Runtime.getRuntime().availableProcessors());

        it.close();
        it.close(); // idempotent

        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!it.liveThreads().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(it.liveThreads()).isEmpty();
        assertThat(it.isClosed()).isTrue();
        assertThatThrownBy(it::hasNext).isInstanceOf(IllegalStateException.class).hasMessage("iterator is closed");
    }

    @Test
    void closeFromAnotherThreadReleasesABlockedConsumer() throws Exception {
        // Ten decodes of a 4000x4000 image on one thread take seconds: the consumer is blocked in next().
        Path big = write(dir, "big.png", TestImages.solid(4000, 4000, Color.GRAY), "png");
        List<ImageRecord> slow = IntStream.range(0, N).mapToObj(i -> new ImageRecord(big, List.of("c" + i))).toList();
        ImageBatchIterator it = new ImageBatchIterator(slow, CLASSES, SPEC, RAW, N, Augmentation.none(), 1, false,
                false, 1, 1);
        java.util.concurrent.CompletableFuture<Throwable> consumer = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        it.next();
                        return null;
                    } catch (Throwable t) {
                        return t;
                    }
                });
        Thread.sleep(300);
        assertThat(consumer).as("consumer still waiting for the batch").isNotDone();

        long start = System.nanoTime();
        it.close();
        Throwable thrown = consumer.get(10, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat((System.nanoTime() - start) / 1e9).as("seconds to release").isLessThan(5.0);
    }

    @Test
    void feedsDl4jTrainingAcrossEpochs() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Sgd(0.01)).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(32, 32, 3))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).stride(2, 2)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(N)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        net.init();
        Augmentation train = Augmentation.none().withFlip(0.5, Augmentation.FlipDirection.HORIZONTAL).withMixup(0.2);

        try (ImageBatchIterator it = iterator(flat, 4, train, 1, true)) {
            net.fit(it, 3);

            // DL4J resets an exhausted iterator before each epoch: epochs 0, 1, 2 were trained, 3 batches each.
            assertThat(it.epoch()).isEqualTo(2);
            assertThat(net.getIterationCount()).isEqualTo(9);
            assertThat(net.score()).isFinite();
        }
    }

    @Test
    void appliesThePreProcessor() {
        try (ImageBatchIterator it = iterator(flat, 4, Augmentation.none(), 1, false)) {
            it.setPreProcessor(dataSet -> dataSet.getFeatures().muli(0));
            assertThat(it.next().getFeatures().sumNumber().doubleValue()).isZero();
        }
    }

    @Test
    void anEmptyListHasNoBatches() {
        try (ImageBatchIterator it = iterator(List.of(), 4, Augmentation.none(), 1, true)) {
            assertThat(it.hasNext()).isFalse();
            assertThat(it.batchesPerEpoch()).isZero();
        }
    }
}
