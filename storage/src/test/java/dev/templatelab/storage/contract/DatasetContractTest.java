package dev.templatelab.storage.contract;

import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.StoredArtifact;
import dev.templatelab.storage.datasets.DatasetInUseException;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.metrics.Direction;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetContractTest extends StorageContractTest {

    @Test
    void registerThenReadBackEveryField() {
        String hash = unique("h");
        NewDataset spec = new NewDataset(unique("flowers"), List.of("tulip", "rose", "daisy"), 7,
                Map.of("tulip", 3, "rose", 2, "daisy", 2), hash, URI.create("file:///home/a/flowers"),
                List.of("skipped notes.txt: not a JPEG, PNG, BMP or GIF image", "class 'rose' has only 2 image(s)"));

        DatasetInfo saved = datasets.register(spec);

        DatasetInfo read = datasets.get(saved.id());
        assertThat(read.name()).isEqualTo(spec.name());
        assertThat(read.classes()).containsExactly("tulip", "rose", "daisy");   // label order kept
        assertThat(read.imageCount()).isEqualTo(7);
        assertThat(read.classCounts()).isEqualTo(Map.of("tulip", 3, "rose", 2, "daisy", 2));
        assertThat(read.contentHash()).isEqualTo(hash);
        assertThat(read.storageUri()).isEqualTo(URI.create("file:///home/a/flowers"));
        assertThat(read.createdAt()).isNotNull();
        assertThat(read.bundle()).as("no copy in the artifact store until one is recorded").isNull();
        assertThat(read.warnings()).containsExactly("skipped notes.txt: not a JPEG, PNG, BMP or GIF image",
                "class 'rose' has only 2 image(s)");
        assertThat(datasets.findByName(spec.name())).contains(read);
        assertThat(datasets.findByContentHash(hash)).containsExactly(read);
        assertThat(datasets.list()).contains(read);
    }

    /** A folder of many stray files keeps a bounded list, saying how many more there were. */
    @Test
    void manyWarningsAreCappedWithACount() {
        List<String> many = java.util.stream.IntStream.range(0, 500).mapToObj(i -> "skipped f" + i + ".txt").toList();
        DatasetInfo saved = datasets.register(new NewDataset(unique("junk"), List.of("a", "b"), 2, Map.of(), null,
                URI.create("file:///d/junk"), many));
        List<String> kept = datasets.get(saved.id()).warnings();
        assertThat(kept).hasSize(NewDataset.MAX_WARNINGS);
        assertThat(kept.get(0)).isEqualTo("skipped f0.txt");
        assertThat(kept.get(kept.size() - 1)).isEqualTo("... and " + (500 - NewDataset.MAX_WARNINGS + 1) + " more");
    }

    @Test
    void aRecordedBundleIsReadBackAndReplacedByTheNextOne() {
        DatasetInfo dataset = newDataset();
        StoredArtifact first = new StoredArtifact(URI.create("file:///artifacts/datasets/1.zip"), 1234, "a".repeat(64));
        StoredArtifact second = new StoredArtifact(URI.create("file:///artifacts/datasets/1b.zip"), 99, "b".repeat(64));

        assertThat(datasets.recordBundle(dataset.id(), first).bundle()).isEqualTo(first);
        assertThat(datasets.get(dataset.id()).bundle()).isEqualTo(first);
        datasets.recordBundle(dataset.id(), second);

        assertThat(datasets.get(dataset.id()).bundle()).isEqualTo(second);
        assertThat(datasets.get(dataset.id()).name()).isEqualTo(dataset.name());
        assertThatThrownBy(() -> datasets.recordBundle(Long.MAX_VALUE, first)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void namesAreUnique() {
        DatasetInfo first = newDataset();

        assertThatThrownBy(() -> datasets.register(new NewDataset(first.name(), List.of("a"), 1, Map.of("a", 1),
                null, URI.create("file:///x")))).hasMessageContaining("already exists");
    }

    @Test
    void invalidDatasetsAreRejectedBeforeTheDatabase() {
        assertThatThrownBy(() -> new NewDataset("d", List.of(), 0, Map.of(), null, URI.create("file:///x")))
                .hasMessageContaining("at least one class");
        assertThatThrownBy(() -> new NewDataset("d", List.of("a"), 1, Map.of("b", 1), null, URI.create("file:///x")))
                .hasMessageContaining("unknown class b");
    }

    @Test
    void deleteRefusesWhileAnExperimentUsesTheDataset() {
        DatasetInfo used = newDataset();
        experiments.create(spec(used.id(), Direction.MAXIMIZE));
        DatasetInfo unused = newDataset();

        assertThatThrownBy(() -> datasets.delete(used.id())).isInstanceOf(DatasetInUseException.class)
                .hasMessageContaining("used by 1 experiment");
        datasets.delete(unused.id());

        assertThatThrownBy(() -> datasets.get(unused.id())).isInstanceOf(NotFoundException.class)
                .hasMessage("dataset " + unused.id() + " not found");
        assertThat(datasets.get(used.id())).isNotNull();
    }
}
