package dev.templatelab.web.datasets;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.github.mvysny.kaributesting.v10.MockVaadin;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.html.Image;
import dev.templatelab.storage.config.StorageLocations;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.training.data.ImportProgress;
import dev.templatelab.web.TestData;
import dev.templatelab.web.UiTest;
import dev.templatelab.web.security.Role;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

/** The datasets page: the grid, per-class thumbnails and counts, and the upload form only for operators. */
class DatasetsViewTest extends UiTest {

    @Autowired
    DatasetImports imports;
    @Autowired
    DatasetService datasets;
    @Autowired
    StorageLocations locations;

    @Test
    void selectingADatasetShowsItsClassesWithThumbnails() throws IOException {
        Path zip = Files.createTempFile("ds", ".zip");
        Files.write(zip, TestData.datasetZip(List.of("cat", "dog"), 3, 11));
        var imported = imports.importZip(TestData.unique("pets"), "pets.zip", zip);
        Path small = Files.createTempFile("ds", ".zip");
        Files.write(small, TestData.datasetZip(List.of("cat", "dog"), 1, 12));
        var warned = imports.importZip(TestData.unique("warned"), "warned.zip", small);

        UI.getCurrent().navigate(DatasetsView.class);
        DatasetsView view = _get(DatasetsView.class);
        int row = IntStream.range(0, GridKt._size(view.grid))
                .filter(i -> GridKt._get(view.grid, i).id() == imported.dataset().id()).findFirst().orElseThrow();
        view.grid.select(GridKt._get(view.grid, row));

        assertThat(_find(view.details, Image.class)).hasSize(6);
        assertThat(view.details.getElement().getTextRecursively()).contains("cat (3)", "dog (3)", "6 images, 2 classes");
        assertThat(_find(view.details, com.vaadin.flow.component.details.Details.class)).as("a clean import warns of nothing")
                .isEmpty();


        // A dataset whose import found something worth a look shows what, kept with it.
        int warnedRow = IntStream.range(0, GridKt._size(view.grid))
                .filter(i -> GridKt._get(view.grid, i).id() == warned.dataset().id()).findFirst().orElseThrow();
        view.grid.select(GridKt._get(view.grid, warnedRow));
        assertThat(_get(view.details, com.vaadin.flow.component.details.Details.class).getElement().getTextRecursively())
                .contains("Import warnings (2)", "class 'cat' has only 1 image");
        assertThat(view.upload.isAttached()).isTrue();
    }

    /** "At first start": once any dataset is registered (or the sample was deleted), it is not registered again. */
    @Test
    void theSampleIsRegisteredOnlyWhileNoDatasetIs() throws IOException {
        Path zip = Files.createTempFile("ds", ".zip");
        Files.write(zip, TestData.datasetZip(List.of("a", "b"), 2, 5));
        imports.importZip(TestData.unique("other"), "other.zip", zip);

        assertThat(imports.registerSampleOnFirstStart()).isFalse();
        assertThat(datasets.findByName(DatasetImports.SAMPLE_NAME)).isEmpty();
    }

    /** The page's uploads check the name as registering would, before a single image is read. */
    @Test
    void aNameWithControlCharactersIsRefusedBeforeTheImport() throws IOException {
        Path zip = Files.createTempFile("ds", ".zip");
        Files.write(zip, TestData.datasetZip(List.of("a", "b"), 2, 5));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> imports.checkUpload("tab\tname", "a.zip", zip))
                .hasMessageContaining("may not contain control characters");
    }

    @Test
    void aTakenNameIsFlaggedBeforeAnythingIsUploaded() throws IOException {
        Path zip = Files.createTempFile("ds", ".zip");
        Files.write(zip, TestData.datasetZip(List.of("a", "b"), 2, 5));
        String taken = imports.importZip(TestData.unique("taken"), "taken.zip", zip).dataset().name();
        UI.getCurrent().navigate(DatasetsView.class);
        DatasetsView view = _get(DatasetsView.class);

        view.name.setValue(taken);
        assertThat(view.name.isInvalid()).isTrue();
        assertThat(view.name.getErrorMessage()).isEqualTo("a dataset named '" + taken + "' already exists; choose another name");
        assertThat(view.upload.isEnabled()).isFalse();
        view.name.setValue(taken + "-2");
        assertThat(view.name.isInvalid()).isFalse();
        assertThat(view.upload.isEnabled()).isTrue();
    }

    @Test
    void uploadsLeftADayAgoAreSweptAtStart() throws IOException {
        Path old = imports.newUploadFile();
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path fresh = imports.newUploadFile();

        assertThat(imports.sweepOldUploads()).isGreaterThanOrEqualTo(1);
        assertThat(old).doesNotExist();
        assertThat(fresh).as("perhaps still being imported").exists();
        Files.delete(fresh);
    }

    /** An upload imports in the background, with Stop on offer; then the page shows and selects the new dataset. */
    @Test
    void anUploadIsImportedInTheBackgroundAndThenSelected() throws IOException {
        DatasetsView view = datasetsPage();
        List<Runnable> imports = new ArrayList<>();
        view.importRunner = imports::add;
        Path upload = uploaded(TestData.datasetZip(List.of("cat", "dog"), 3, 11));
        String name = TestData.unique("pets");
        view.name.setValue(name);

        view.startImport(UI.getCurrent(), name, "pets.zip", upload);
        assertThat(view.importStatus.getText()).isEqualTo("Importing pets.zip...");
        assertThat(view.stopImport.isVisible()).isTrue();
        assertThat(view.upload.isEnabled()).as("one import at a time").isFalse();
        view.name.setValue(name + "-next");
        assertThat(view.upload.isEnabled()).as("one import at a time, whatever name is typed").isFalse();

        imports.get(0).run();
        view.pendingImport.join();
        MockVaadin.runUIQueue();
        assertThat(view.importStatus.getText()).isEqualTo("Imported " + name + ": 6 images in 2 classes");
        assertThat(view.grid.asSingleSelect().getValue().name()).isEqualTo(name);
        assertThat(view.stopImport.isVisible()).isFalse();
        assertThat(view.importing.isVisible()).isFalse();
        assertThat(view.upload.isEnabled()).isTrue();
        assertThat(view.name.getValue()).as("the next upload needs a name of its own").isEmpty();
        assertThat(upload).as("the upload's copy").doesNotExist();
        assertThat(extractionFolders()).as("the dataset's folder is kept, and no longer held")
                .contains(DatasetImports.root(datasets.findByName(name).orElseThrow()).getParent())
                .noneMatch(p -> p.getFileName().toString().endsWith(".lock"));
    }

    /** Stop ends an import with nothing kept: no dataset, no extracted files, no upload copy. */
    @Test
    void aStoppedImportKeepsNothing() throws IOException {
        DatasetsView view = datasetsPage();
        List<Runnable> imports = new ArrayList<>();
        view.importRunner = imports::add;
        Path upload = uploaded(TestData.datasetZip(List.of("cat", "dog"), 3, 11));
        String name = TestData.unique("stopped");
        List<Path> extractedBefore = extractionFolders();

        view.startImport(UI.getCurrent(), name, "pets.zip", upload);
        view.stopImport.click();
        assertThat(view.importStatus.getText()).isEqualTo("Stopping the import...");
        assertThat(view.stopImport.isEnabled()).isFalse();
        imports.get(0).run();
        assertThat(view.pendingImport).isCompletedExceptionally();
        MockVaadin.runUIQueue();

        assertThat(view.importStatus.getText())
                .isEqualTo("Stopped importing pets.zip; nothing was kept. Upload it again to import it.");
        assertThat(view.importStatus.hasClassName("tl-error-text")).isFalse();
        assertThat(datasets.findByName(name)).isEmpty();
        assertThat(extractionFolders()).isEqualTo(extractedBefore);
        assertThat(upload).doesNotExist();
        assertThat(view.upload.isEnabled()).isTrue();
        assertThat(view.stopImport.isVisible()).isFalse();
    }

    /** The importing thread's reports reach the page: the bar and how many files of how many. */
    @Test
    void anImportsProgressShowsOnThePage() {
        DatasetsView view = datasetsPage();
        ImportProgress progress = view.progressShownOn(UI.getCurrent(), "pets.zip", new AtomicBoolean());

        progress.progressed(ImportProgress.Phase.EXTRACTING, 1200, 5000);
        MockVaadin.runUIQueue();
        assertThat(view.importStatus.getText()).isEqualTo("Extracting pets.zip: 1,200 of 5,000 files");
        assertThat(view.importing.getValue()).isEqualTo(0.24);
        assertThat(view.importing.isIndeterminate()).isFalse();

        assertThat(view.stopImport.isEnabled()).isTrue();
        progress.progressed(ImportProgress.Phase.CHECKING, 5000, 5000);   // a phase's last report always shows
        MockVaadin.runUIQueue();
        assertThat(view.importStatus.getText())
                .isEqualTo("Checking the images of pets.zip: 5,000 of 5,000 files; registering it...");
        assertThat(view.importing.getValue()).isEqualTo(1.0);
        assertThat(view.stopImport.isEnabled()).as("registering and packing cannot be stopped").isFalse();
    }

    private DatasetsView datasetsPage() {
        UI.getCurrent().navigate(DatasetsView.class);
        return _get(DatasetsView.class);
    }

    private Path uploaded(byte[] zip) throws IOException {
        Path upload = imports.newUploadFile();
        Files.write(upload, zip);
        return upload;
    }

    private List<Path> extractionFolders() throws IOException {
        Path datasetsDir = locations.home().resolve("datasets");
        if (!Files.isDirectory(datasetsDir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(datasetsDir)) {
            return children.filter(p -> p.getFileName().toString().startsWith("import-")).sorted().toList();
        }
    }

    /** An import the server was stopped during leaves its extraction folder: swept at the next start, datasets kept. */
    @Test
    void unfinishedImportsAreSweptAtStartAndDatasetsKept() throws IOException {
        var kept = imports.importZip(TestData.unique("kept"), "kept.zip", uploaded(TestData.datasetZip(List.of("a", "b"),
                2, 5))).dataset();
        Path unfinished = Files.createDirectories(locations.home().resolve("datasets").resolve("import-unfinished"));
        Files.writeString(unfinished.resolve("half.png"), "half an image");

        assertThat(imports.sweepAbandonedImports()).isGreaterThanOrEqualTo(1);

        assertThat(unfinished).doesNotExist();
        assertThat(DatasetImports.samples(kept, "a", 10)).hasSize(2);
        assertThat(extractionFolders()).noneMatch(p -> p.getFileName().toString().endsWith(".lock"));
    }

    @Test
    void viewersSeeNoUploadForm() {
        login(Role.VIEWER);
        UI.getCurrent().navigate(DatasetsView.class);
        DatasetsView view = _get(DatasetsView.class);
        assertThat(view.upload.isAttached()).isFalse();
    }
}
