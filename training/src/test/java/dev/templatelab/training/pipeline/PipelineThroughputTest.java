package dev.templatelab.training.pipeline;

import static dev.templatelab.training.pipeline.TestImages.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.architectures.DataConfig;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.training.data.ImageRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineThroughputTest {

    @TempDir
    Path dir;

    /**
     * 224x224 from 64x64..300x300 photo-like JPEGs with flips and random-resized crops. Runs 1 s by default;
     * {@code -Dpipeline.throughput.seconds=10} makes it a measurement (the rate is printed).
     */
    @Test
    void measuresImagesPerSecond() {
        Random random = new Random(1);
        List<ImageRecord> records = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int w = 64 + random.nextInt(237);
            int h = 64 + random.nextInt(237);
            records.add(new ImageRecord(write(dir, "p" + i + ".jpg", TestImages.photoLike(w, h, i), "jpg"),
                    List.of("c" + i % 4)));
        }
        Augmentation train = Augmentation.none().withFlip(0.5, Augmentation.FlipDirection.HORIZONTAL)
                .withRandomResizedCrop(Augmentation.RandomResizedCrop.standard());
        double seconds = Double.parseDouble(System.getProperty("pipeline.throughput.seconds", "1"));
        int threads = Integer.getInteger("pipeline.throughput.threads", 2);

        double rate = PipelineThroughput.measure(records, TemplateSpec.of(4, 224), DataConfig.imagenet(224), train,
                32, seconds, threads);

        System.out.printf("pipeline throughput: %.1f images/s (224x224, flips + random-resized crop, %d threads)%n",
                rate, threads);
        assertThat(rate).isPositive().isFinite();
    }
}
