package dev.templatelab.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitterTest {

    /** Classes a:10, b:7, c:2, d:1; the splitter never opens files, so the paths need not exist. */
    private static ImageDataset dataset() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("a", 10);
        sizes.put("b", 7);
        sizes.put("c", 2);
        sizes.put("d", 1);
        List<ImageRecord> records = new ArrayList<>();
        sizes.forEach((label, n) -> {
            for (int i = 0; i < n; i++) {
                records.add(new ImageRecord(Path.of("/data", label, i + ".png"), List.of(label)));
            }
        });
        return new ImageDataset(List.copyOf(sizes.keySet()), records, false, "test");
    }

    private static long count(List<ImageRecord> records, String label) {
        return records.stream().filter(r -> r.label().equals(label)).count();
    }

    @Test
    void partitionsEveryRecordExactlyOnce() {
        ImageDataset dataset = dataset();

        Split split = Splitter.split(dataset, 0.2, 0.1, 42);

        List<ImageRecord> all = new ArrayList<>(split.train());
        all.addAll(split.validation());
        all.addAll(split.test());
        assertThat(all).containsExactlyInAnyOrderElementsOf(dataset.records());
        assertThat(split.seed()).isEqualTo(42);
    }

    @Test
    void stratifiesPerClassAndGivesEveryClassOfTwoAValidationImage() {
        Split split = Splitter.split(dataset(), 0.2, 0.1, 42);

        // a: 10 -> 2 val, 1 test; b: 7 -> round(1.4)=1 val, round(0.7)=1 test; c: 2 -> 1 val (the minimum); d: 1 -> train
        assertThat(List.of(count(split.validation(), "a"), count(split.validation(), "b"),
                count(split.validation(), "c"), count(split.validation(), "d"))).containsExactly(2L, 1L, 1L, 0L);
        assertThat(List.of(count(split.test(), "a"), count(split.test(), "b"),
                count(split.test(), "c"), count(split.test(), "d"))).containsExactly(1L, 1L, 0L, 0L);
        assertThat(List.of(count(split.train(), "a"), count(split.train(), "b"),
                count(split.train(), "c"), count(split.train(), "d"))).containsExactly(7L, 5L, 1L, 1L);
    }

    @Test
    void theSameSeedGivesTheSameSplitAndAnotherSeedADifferentOne() {
        ImageDataset dataset = dataset();

        Split first = Splitter.split(dataset, 0.3, 0.2, 7);
        Split again = Splitter.split(dataset, 0.3, 0.2, 7);
        Split other = Splitter.split(dataset, 0.3, 0.2, 8);

        assertThat(again).isEqualTo(first);
        assertThat(other.validation()).isNotEqualTo(first.validation());
        assertThat(other.validation()).hasSameSizeAs(first.validation());
    }

    @Test
    void partsKeepTheDatasetOrder() {
        ImageDataset dataset = dataset();

        Split split = Splitter.split(dataset, 0.3, 0.2, 3);

        for (List<ImageRecord> part : List.of(split.train(), split.validation(), split.test())) {
            List<Integer> positions = part.stream().map(dataset.records()::indexOf).toList();
            assertThat(positions).isSorted();
        }
    }

    @Test
    void noValidationWhenTheFractionIsZero() {
        Split split = Splitter.split(dataset(), 0, 0, 1);

        assertThat(split.validation()).isEmpty();
        assertThat(split.test()).isEmpty();
        assertThat(split.train()).hasSize(20);
    }

    @Test
    void multiLabelRecordsAreStratifiedByTheirFirstLabel() {
        List<ImageRecord> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(new ImageRecord(Path.of("/m/x" + i + ".png"), List.of("x", "y")));
            records.add(new ImageRecord(Path.of("/m/y" + i + ".png"), List.of("y")));
        }
        ImageDataset dataset = new ImageDataset(List.of("x", "y"), records, true, "test");

        Split split = Splitter.split(dataset, 0.2, 0, 5);

        assertThat(split.validation()).hasSize(4);
        assertThat(split.validation().stream().filter(r -> r.labels().get(0).equals("x")).count()).isEqualTo(2);
    }

    @Test
    void badFractionsAreRejectedWithTheirName() {
        ImageDataset dataset = dataset();

        assertThatThrownBy(() -> Splitter.split(dataset, -0.1, 0.1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("validationFraction")
                .hasMessageContaining("-0.1");
        assertThatThrownBy(() -> Splitter.split(dataset, 0.2, 1.0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("testFraction");
        assertThatThrownBy(() -> Splitter.split(dataset, Double.NaN, 0.1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> Splitter.split(dataset, 0.6, 0.4, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be below 1");
    }
}
