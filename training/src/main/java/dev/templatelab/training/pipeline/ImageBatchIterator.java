package dev.templatelab.training.pipeline;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.HeadActivation;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.data.ImageRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batches of decoded, augmented images: features NCHW float32 [B, C, H, W], targets [B, K] (one-hot, or
 * multi-hot for multi-label data), mixed and smoothed as the {@link Augmentation} says. The last, partial
 * batch is included.
 *
 * <p>Deterministic: the shuffle of epoch e and every image's and batch's random draws derive from
 * (seed, e, position), never from thread timing. The first epoch is 0; {@link #reset()} starts the next
 * (DL4J's fit calls it when an epoch is exhausted), {@link #startEpoch(int)} jumps to one (resuming).
 *
 * <p>Images are decoded on a pool of daemon threads while the consumer trains: up to {@code prefetchBatches}
 * batches are in flight or ready ahead of it. {@link #close()} stops the pool; DL4J's own async wrapper is
 * not needed ({@link #asyncSupported()} is false). Use from one consumer thread; {@code close()} may come
 * from any thread. Not meant to be serialised (DataSetIterator is Serializable only by inheritance).
 */
public final class ImageBatchIterator implements DataSetIterator, AutoCloseable {

    /** Batches decoded ahead of the consumer by default. */
    public static final int DEFAULT_PREFETCH_BATCHES = 3;
    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final long SHUFFLE_STREAM = -1;
    private static final long BATCH_STREAM = -2;

    private final List<ImageRecord> records;
    private final List<String> classes;
    private final int[][] targetIndices;
    private final ImageDecoder decoder;
    private final int batchSize;
    private final Augmentation augmentation;
    private final long seed;
    private final boolean shuffle;
    private final boolean sigmoidTargets;
    private final int prefetchBatches;
    private final String threadNamePrefix;
    private final ThreadPoolExecutor pool;
    // Concurrent so that close() from another thread can cancel the batch a consumer is blocked on.
    private final ConcurrentLinkedDeque<PendingBatch> inFlight = new ConcurrentLinkedDeque<>();

    private DataSetPreProcessor preProcessor;
    private int epoch;
    private int[] order;
    private boolean started;
    private int nextToSubmit;
    private int nextToReturn;
    private volatile boolean closed;

    /** A batch being decoded: its index, its result, and a flag that makes its queued work a no-op. */
    private record PendingBatch(int index, CompletableFuture<DataSet> result, AtomicBoolean cancelled) {
    }

    /**
     * An iterator decoding on {@link Runtime#availableProcessors()} threads, {@value #DEFAULT_PREFETCH_BATCHES}
     * batches ahead.
     *
     * @param records    images in their canonical order (shuffled per epoch when {@code shuffle})
     * @param classes    class names; target column k is {@code classes.get(k)}
     * @param spec       the network input: height, width, channels; its head picks the label-smoothing formula
     * @param dataConfig channel order, mean and std of the template
     * @param multiLabel multi-hot targets over all labels of a record; otherwise one-hot of its first label
     */
    public ImageBatchIterator(List<ImageRecord> records, List<String> classes, TemplateSpec spec, DataConfig dataConfig,
                              int batchSize, Augmentation augmentation, long seed, boolean shuffle, boolean multiLabel) {
        this(records, classes, spec, dataConfig, batchSize, augmentation, seed, shuffle, multiLabel,
                Runtime.getRuntime().availableProcessors(), DEFAULT_PREFETCH_BATCHES);
    }

    /** As the other constructor, with an explicit decoder thread count and prefetch depth (both at least 1). */
    public ImageBatchIterator(List<ImageRecord> records, List<String> classes, TemplateSpec spec, DataConfig dataConfig,
                              int batchSize, Augmentation augmentation, long seed, boolean shuffle, boolean multiLabel,
                              int threads, int prefetchBatches) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (prefetchBatches < 1) {
            throw new IllegalArgumentException("prefetchBatches must be at least 1, got " + prefetchBatches);
        }
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("classes must not be empty");
        }
        if (spec.numClasses() != classes.size()) {
            throw new IllegalArgumentException("spec has " + spec.numClasses() + " outputs but there are "
                    + classes.size() + " classes");
        }
        this.records = List.copyOf(records);
        this.classes = List.copyOf(classes);
        this.targetIndices = new int[this.records.size()][];
        for (int i = 0; i < this.records.size(); i++) {
            ImageRecord record = this.records.get(i);
            List<String> labels = multiLabel ? record.labels() : List.of(record.label());
            int[] indices = new int[labels.size()];
            for (int j = 0; j < indices.length; j++) {
                indices[j] = this.classes.indexOf(labels.get(j));
                if (indices[j] < 0) {
                    throw new IllegalArgumentException("image " + record.file() + " has label '" + labels.get(j)
                            + "' that is not one of the classes " + this.classes);
                }
            }
            targetIndices[i] = indices;
        }
        this.decoder = ImageDecoder.of(spec, dataConfig);
        this.batchSize = batchSize;
        this.augmentation = augmentation;
        this.seed = seed;
        this.shuffle = shuffle;
        this.sigmoidTargets = spec.head() == HeadActivation.SIGMOID;
        this.prefetchBatches = prefetchBatches;
        this.threadNamePrefix = "templatelab-decode-" + POOLS.incrementAndGet() + "-";
        AtomicInteger threadNumber = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new Thread(task, threadNamePrefix + threadNumber.incrementAndGet());
                    thread.setDaemon(true); // never keeps the JVM alive, even if close() is forgotten
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true); // idle iterators hold no threads
    }

    /** An evaluation iterator: no augmentation, no shuffle, records in their given order. */
    public static ImageBatchIterator forEvaluation(List<ImageRecord> records, List<String> classes, TemplateSpec spec,
                                                   DataConfig dataConfig, int batchSize, boolean multiLabel) {
        return new ImageBatchIterator(records, classes, spec, dataConfig, batchSize, Augmentation.none(), 0L, false,
                multiLabel);
    }

    @Override
    public boolean hasNext() {
        ensureStarted();
        return nextToReturn < batchesPerEpoch();
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " has no more batches; call reset() for the next");
        }
        PendingBatch pending = inFlight.peekFirst();
        submitNext();
        DataSet batch = await(pending);
        inFlight.remove(pending);
        nextToReturn++;
        if (preProcessor != null) {
            preProcessor.preProcess(batch);
        }
        return batch;
    }

    /** Only {@code num == batch()} is supported: batches are prepared ahead at a fixed size. */
    @Override
    public DataSet next(int num) {
        if (num != batchSize) {
            throw new UnsupportedOperationException("this iterator prefetches batches of " + batchSize
                    + "; next(" + num + ") is not supported");
        }
        return next();
    }

    /** Starts the next epoch: a new shuffle and new augmentation draws derived from (seed, epoch + 1). */
    @Override
    public void reset() {
        startEpoch(epoch + 1);
    }

    /** Starts epoch {@code e} (0-based) from its first batch, discarding batches prefetched for the current one. */
    public void startEpoch(int e) {
        if (e < 0) {
            throw new IllegalArgumentException("epoch must be at least 0, got " + e);
        }
        checkOpen();
        cancelInFlight();
        epoch = e;
        started = false;
        ensureStarted();
    }

    /** The current epoch (0-based). */
    public int epoch() {
        return epoch;
    }

    /** Number of batches per epoch, the last possibly partial. */
    public int batchesPerEpoch() {
        return (records.size() + batchSize - 1) / batchSize;
    }

    /** Number of images per epoch. */
    public int numExamples() {
        return records.size();
    }

    @Override
    public int inputColumns() {
        return decoder.valuesPerImage();
    }

    @Override
    public int totalOutcomes() {
        return classes.size();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false; // batches are already prefetched on our own threads
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    /** The class names, in target column order. */
    @Override
    public List<String> getLabels() {
        return classes;
    }

    /** Stops the decoder threads (waiting up to 5 s for running decodes); further use throws. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cancelInFlight();
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Prefix of the decoder threads' names (for monitoring and tests). */
    String threadNamePrefix() {
        return threadNamePrefix;
    }

    /** Batches decoded and waiting for the consumer. */
    int readyBatches() {
        int ready = 0;
        for (PendingBatch pending : inFlight) {
            if (pending.result().isDone()) {
                ready++;
            }
        }
        return ready;
    }

    /** Batches submitted and not yet returned by next(). */
    int batchesInFlight() {
        return inFlight.size();
    }

    private void ensureStarted() {
        checkOpen();
        if (started) {
            return;
        }
        started = true;
        order = epochOrder(epoch);
        nextToSubmit = 0;
        nextToReturn = 0;
        for (int i = 0; i < prefetchBatches; i++) {
            submitNext();
        }
    }

    /** The record indices of an epoch in visiting order. */
    int[] epochOrder(int e) {
        int[] indices = new int[records.size()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = i;
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(Seeds.derive(seed, e, SHUFFLE_STREAM));
            for (int i = indices.length - 1; i > 0; i--) { // Fisher-Yates
                int j = random.nextInt(i + 1);
                int t = indices[i];
                indices[i] = indices[j];
                indices[j] = t;
            }
        }
        return indices;
    }

    private void submitNext() {
        if (nextToSubmit >= batchesPerEpoch() || closed) {
            return;
        }
        int index = nextToSubmit++;
        int from = index * batchSize;
        int size = Math.min(batchSize, records.size() - from);
        int perImage = decoder.valuesPerImage();
        int classCount = classes.size();
        float[] features = new float[size * perImage];
        float[] targets = new float[size * classCount];
        AtomicBoolean cancelled = new AtomicBoolean();
        CompletableFuture<?>[] images = new CompletableFuture<?>[size];
        int e = epoch;
        try {
            for (int i = 0; i < size; i++) {
                int position = from + i;
                int record = order[position];
                for (int k : targetIndices[record]) {
                    targets[i * classCount + k] = 1f;
                }
                int offset = i * perImage;
                images[i] = CompletableFuture.runAsync(() -> {
                    if (cancelled.get()) {
                        throw new CancellationException();
                    }
                    decodeOne(record, Seeds.derive(seed, e, position), features, offset);
                }, pool);
            }
        } catch (RejectedExecutionException rejected) { // close() raced with this call
            cancelled.set(true);
            throw new IllegalStateException("iterator is closed", rejected);
        }
        long batchSeed = Seeds.derive(seed, e, BATCH_STREAM, index);
        // Runs on the thread that finishes the batch's last image, so a ready batch never queues behind others.
        CompletableFuture<DataSet> result = CompletableFuture.allOf(images).thenApply(done -> {
            if (cancelled.get()) {
                throw new CancellationException();
            }
            return assemble(features, targets, size, new SplittableRandom(batchSeed));
        });
        inFlight.add(new PendingBatch(index, result, cancelled));
    }

    private void decodeOne(int record, long imageSeed, float[] features, int offset) {
        ImageRecord image = records.get(record);
        try {
            decoder.decodeInto(image.file(), augmentation, imageSeed, features, offset);
        } catch (IOException e) {
            // The import decoded every image (or a registration's import did, for files that still hash the same):
            // a file failing here changed since, or the dataset was registered before imports decoded pixels.
            throw new UncheckedIOException("cannot read image " + image.file() + ": " + e.getMessage()
                    + "; delete or replace that file and import the dataset again", e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot decode image " + image.file() + ": " + e
                    + "; delete or replace that file and import the dataset again", e);
        }
    }

    private DataSet assemble(float[] features, float[] targets, int size, SplittableRandom random) {
        BatchMixing.mix(features, targets, size, decoder.channels(), decoder.height(), decoder.width(),
                classes.size(), augmentation, random);
        BatchMixing.smooth(targets, classes.size(), augmentation.labelSmoothing(), sigmoidTargets);
        return new DataSet(
                Nd4j.create(features, new long[] {size, decoder.channels(), decoder.height(), decoder.width()},
                        DataType.FLOAT),
                Nd4j.create(targets, new long[] {size, classes.size()}, DataType.FLOAT));
    }

    private DataSet await(PendingBatch pending) {
        try {
            return pending.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for batch " + pending.index()
                    + " of epoch " + epoch, e);
        } catch (CancellationException e) {
            throw new IllegalStateException("batch " + pending.index() + " was cancelled: the iterator was "
                    + (closed ? "closed" : "reset"), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                    && cause.getCause() != null) {
                cause = cause.getCause();
            }
            // Counted from 1, as the progress bar counts; an evaluation (unshuffled) has no epochs to speak of.
            String message = (shuffle ? "batch " + (pending.index() + 1) + " of epoch " + (epoch + 1)
                    : "evaluation batch " + (pending.index() + 1)) + " failed: " + cause.getMessage();
            if (cause instanceof UncheckedIOException io) {
                throw new UncheckedIOException(message, io.getCause());
            }
            throw new IllegalStateException(message, cause);
        }
    }

    private void cancelInFlight() {
        for (PendingBatch pending : inFlight) {
            pending.cancelled().set(true);
            pending.result().cancel(false); // wakes a consumer blocked in next() on another thread
        }
        inFlight.clear();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("iterator is closed");
        }
    }

    /** Lists the live decoder threads of this iterator (for tests and diagnostics). */
    List<Thread> liveThreads() {
        List<Thread> live = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(threadNamePrefix) && thread.isAlive()) {
                live.add(thread);
            }
        }
        return live;
    }
}
