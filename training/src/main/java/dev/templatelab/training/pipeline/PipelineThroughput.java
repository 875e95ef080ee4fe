package dev.templatelab.training.pipeline;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.data.ImageRecord;
import java.util.List;
import java.util.TreeSet;

/**
 * Images/s the input pipeline alone delivers (decode, augment, batch, copy to ND4J) with nothing consuming
 * the batches: the ceiling it puts on training throughput.
 */
public final class PipelineThroughput {

    private PipelineThroughput() {
    }

    /**
     * Loads batches for about {@code seconds} (after one warm-up batch) on all available processors and
     * returns images per second; cycles through epochs if the records run out.
     */
    public static double measure(List<ImageRecord> records, TemplateSpec spec, DataConfig dataConfig,
                                 Augmentation augmentation, int batch, double seconds) {
        return measure(records, spec, dataConfig, augmentation, batch, seconds,
                Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #measure(List, TemplateSpec, DataConfig, Augmentation, int, double)} with {@code threads} decoders. */
    public static double measure(List<ImageRecord> records, TemplateSpec spec, DataConfig dataConfig,
                                 Augmentation augmentation, int batch, double seconds, int threads) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("records must not be empty");
        }
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("seconds must be positive, got " + seconds);
        }
        List<String> classes = List.copyOf(new TreeSet<>(records.stream().flatMap(r -> r.labels().stream()).toList()));
        TemplateSpec sized = spec.withClasses(classes.size());
        try (ImageBatchIterator iterator = new ImageBatchIterator(records, classes, sized, dataConfig, batch,
                augmentation, 42L, true, false, threads, ImageBatchIterator.DEFAULT_PREFETCH_BATCHES)) {
            iterator.next(); // warm-up: thread start, JIT, ND4J initialisation
            long images = 0;
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * 1e9);
            while (System.nanoTime() < deadline) {
                if (!iterator.hasNext()) {
                    iterator.reset();
                }
                images += iterator.next().numExamples();
            }
            return images / ((System.nanoTime() - start) / 1e9);
        }
    }
}
