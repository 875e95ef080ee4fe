package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.storage.artifacts.ArtifactStore;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.StoredArtifact;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.NewDataset;
import dev.templatelab.storage.events.EventInfo;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.data.DatasetImporter;
import dev.templatelab.training.data.ImageDataset;
import dev.templatelab.training.data.ImportLimits;
import dev.templatelab.tuning.testing.TinyDigits;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

/**
 * A worker needs only the database and the artifact store: launching copies the dataset into the store, and a worker
 * that cannot read the dataset's folder (another machine; here the folder is deleted) trains on that copy.
 */
class DatasetShippingTest extends DigitsExperimentTest {

    @TempDir
    Path temp;

    @Autowired ArtifactStore artifacts;
    @Autowired DatasetCopies datasetCopies;
    @Autowired StorageLocations locations;

    @Test
    void aWorkerWithoutTheDatasetsFolderTrainsOnItsCopyFromTheArtifactStore() throws IOException {
        Path folder = copyOfDigits("shipped");
        DatasetInfo dataset = register(folder);

        ExperimentInfo e = launcher.launch(oneTrial("shipped", dataset));
        DatasetInfo published = datasets.get(dataset.id());
        assertThat(published.bundle()).as("launch copied the dataset into the artifact store").isNotNull();
        assertThat(artifacts.exists(published.bundle().uri())).isTrue();
        deleteRecursively(folder);

        assertThat(worker("shipping-worker").workOnce()).contains(TrialRunner.Result.COMPLETE);

        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
        TrialInfo trial = trials.page(e.id(), null, Pageable.unpaged(Sort.by("number"))).getContent().get(0);
        assertThat(trial.state()).isEqualTo(TrialState.COMPLETE);
        CheckpointInfo best = checkpoints.best(trial.id()).orElseThrow();
        Path checkpoint = temp.resolve("best.tlckpt");
        try (InputStream in = checkpoints.open(best.id())) {
            Files.copy(in, checkpoint, StandardCopyOption.REPLACE_EXISTING);
        }
        assertThat(Checkpoints.readMetadata(checkpoint).datasetHash()).as("trained on the very same images")
                .isEqualTo(dataset.contentHash());
        assertThat(unpackedCopy(published).resolve("0")).isDirectory();

        ExperimentInfo again = launcher.launch(oneTrial("shipped-again", dataset));
        assertThat(datasets.get(dataset.id()).bundle()).as("packed once per dataset").isEqualTo(published.bundle());
        experiments.cancel(again.id());
    }

    /** A worker's unpacked copy goes once its dataset is deleted (which needs its experiments deleted first). */
    @Test
    void unpackedCopiesOfDeletedDatasetsAndStaleLeftoversAreSweptAway() throws IOException {
        Path folder = copyOfDigits("swept");
        DatasetInfo dataset = register(folder);
        ExperimentInfo e = launcher.launch(oneTrial("swept", dataset));
        DatasetInfo published = datasets.get(dataset.id());
        deleteRecursively(folder);
        assertThat(worker("sweeping-worker").workOnce()).contains(TrialRunner.Result.COMPLETE);
        Path copy = unpackedCopy(published);
        Path copies = copy.getParent();
        Path staleTemp = Files.createDirectories(copies.resolve("import-killed-unpack"));
        Files.setLastModifiedTime(staleTemp, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path freshTemp = Files.createDirectories(copies.resolve("import-unpack-in-progress"));

        datasetCopies.sweepUnused();
        assertThat(copy).as("its dataset is still registered").isDirectory();
        assertThat(staleTemp).doesNotExist();
        assertThat(freshTemp).as("perhaps another process's unpack").isDirectory();

        experiments.delete(e.id());
        datasets.delete(dataset.id());
        datasetCopies.sweepUnused();
        assertThat(copy).doesNotExist();
        Files.delete(freshTemp);
    }

    @Test
    void aDatasetWhoseImagesChangedSinceItWasRegisteredIsRefusedAtLaunch() throws IOException {
        Path folder = copyOfDigits("changed");
        DatasetInfo dataset = register(folder);
        try (Stream<Path> zeros = Files.list(folder.resolve("0"))) {
            Path first = zeros.sorted().findFirst().orElseThrow();
            Files.delete(first);
        }

        ExperimentRequest request = oneTrial("changed", dataset);
        assertThatThrownBy(() -> launcher.launch(request))
                .isInstanceOf(InvalidExperimentException.class)
                .hasMessageContaining("changed since dataset " + dataset.name() + " was registered")
                .hasMessageContaining("import the folder again");
        assertThat(experiments.findByName(request.name())).as("a refused launch leaves no experiment").isEmpty();
        assertThat(datasets.get(dataset.id()).bundle()).isNull();
    }

    @Test
    void aDatasetThisMachineCannotReadIsLaunchedWithAWarningForTheWorkersThatCan() {
        DatasetInfo nowhere = newDataset(null);

        ExperimentInfo e = launcher.launch(oneTrial("nowhere", nowhere));

        assertThat(datasets.get(nowhere.id()).bundle()).isNull();
        assertThat(events.recent(e.id(), 10)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("cannot be read at /nowhere/digits where the experiment was launched")
                        && m.contains("only workers that can read that path will run its trials"));
        experiments.cancel(e.id());
    }

    @Test
    void aDamagedCopyFailsTheTrialSayingWhichFileToDelete() throws IOException {
        Path folder = copyOfDigits("damaged");
        DatasetInfo dataset = register(folder);
        ExperimentInfo e = launcher.launch(oneTrial("damaged", dataset));
        Path bundle = Path.of(datasets.get(dataset.id()).bundle().uri());
        Files.write(bundle, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        deleteRecursively(folder);

        TrialWorker w = worker("damaged-worker");
        for (int i = 0; i < 3; i++) {
            w.workOnce();
        }

        TrialInfo trial = trials.page(e.id(), null, Pageable.unpaged(Sort.by("number"))).getContent().get(0);
        assertThat(trial.state()).isEqualTo(TrialState.FAIL);
        assertThat(trial.error()).contains("dataset " + dataset.name() + "'s copy " + bundle.toUri() + " in the artifact "
                + "store is damaged").contains("delete that file");
        try (Stream<Path> left = Files.list(locations.home().resolve("dataset-copies"))) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("no half copy or temporary zip is left").noneMatch(n -> n.startsWith(dataset.id() + "-")
                            || n.startsWith(".bundle-") || n.startsWith("import-"));
        }
    }

    @Test
    void whenAnotherProcessWithTheSameHomeUnpackedTheCopyFirstItsCopyIsKept() throws IOException {
        Path folder = copyOfDigits("raced");
        DatasetInfo dataset = register(folder);
        experiments.cancel(launcher.launch(oneTrial("raced", dataset)).id());
        deleteRecursively(folder);
        DatasetInfo published = datasets.get(dataset.id());
        Path copy = datasetCopies.localSource(published);   // the process that got there first (class folders: the copy)

        datasetCopies.unpack(published, copy);

        try (Stream<Path> left = Files.list(locations.home().resolve("dataset-copies"))) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> !n.matches("\\d+-[0-9a-f]{16}")))
                    .as("the loser's unpacked folder and zip are gone").isEmpty();
        }
        assertThat(copy.resolve("0")).isDirectory();
    }

    @Test
    void aWorkerProcessWhoseArtifactStoreLacksTheCopyLeavesTheExperimentAlone() {
        DatasetInfo nowhere = newDataset(null);
        datasets.recordBundle(nowhere.id(), new StoredArtifact(URI.create("file:///other-store/datasets/1.zip"), 10,
                "a".repeat(64)));
        ExperimentInfo e = launcher.launch(oneTrial("other-store", nowhere));
        WorkerSettings local = WorkerSettings.from(env);
        TrialWorker w = new TrialWorker("other-store-worker", scheduler, runner, trials, new WorkerSettings(local.workers(),
                "other-store-worker", local.heartbeatInterval(), local.heartbeatGrace(), local.pollInterval(),
                local.nd4jThreads(), true, local.retryDelay()));

        w.workOnce();

        assertThat(trials.page(e.id(), null, Pageable.unpaged()).getContent()).as("no trial taken, so none failed").isEmpty();
        assertThat(events.recent(e.id(), 10)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("worker other-store-worker cannot read the dataset at /nowhere/digits, nor its "
                        + "copy file:///other-store/datasets/1.zip (this worker uses another artifact store)"));
        experiments.cancel(e.id());
    }

    private ExperimentRequest oneTrial(String name, DatasetInfo dataset) {
        Map<String, Object> space = TinyDigits.space();
        space.put("per_item_lrate", 0.003);
        return new ExperimentRequest(unique(name), dataset.id(), List.of("Clarifai_InceptionV2"), "random", "none", 1, 1, 1,
                "accuracy", space, null, 7L);
    }

    /** Where a worker with this test's home unpacks the dataset's copy. */
    private Path unpackedCopy(DatasetInfo published) {
        return locations.home().resolve("dataset-copies")
                .resolve(published.id() + "-" + published.bundle().sha256().substring(0, 16));
    }

    private Path copyOfDigits(String name) throws IOException {
        Path target = temp.resolve(name);
        try (Stream<Path> files = Files.walk(digits)) {
            for (Path p : files.toList()) {
                Files.copy(p, target.resolve(digits.relativize(p).toString()));
            }
        }
        return target;
    }

    private DatasetInfo register(Path folder) {
        ImageDataset images = DatasetImporter.importFrom(folder, null, ImportLimits.defaults()).dataset();
        return datasets.register(new NewDataset(unique("shipped"), images.classes(), images.records().size(), Map.of(),
                images.contentHash(), folder.toUri()));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
