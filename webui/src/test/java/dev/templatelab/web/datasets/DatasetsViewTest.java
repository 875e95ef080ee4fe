package dev.templatelab.web.datasets;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.html.Image;
import dev.templatelab.storage.datasets.DatasetService;
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
import java.util.List;
import java.util.stream.IntStream;

import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

/** The datasets page: the grid, per-class thumbnails and counts, and the upload form only for operators. */
class DatasetsViewTest extends UiTest {

    @Autowired
    DatasetImports imports;
    @Autowired
    DatasetService datasets;

    @Test
    void selectingADatasetShowsItsClassesWithThumbnails() throws IOException {
        Path zip = Files.createTempFile("ds", ".zip");
        Files.write(zip, TestData.datasetZip(List.of("cat", "dog"), 3, 11));
        var imported = imports.importZip(TestData.unique("pets"), "pets.zip", zip);

        UI.getCurrent().navigate(DatasetsView.class);
        DatasetsView view = _get(DatasetsView.class);
        int row = IntStream.range(0, GridKt._size(view.grid))
                .filter(i -> GridKt._get(view.grid, i).id() == imported.dataset().id()).findFirst().orElseThrow();
        view.grid.select(GridKt._get(view.grid, row));

        assertThat(_find(view.details, Image.class)).hasSize(6);
        assertThat(view.details.getElement().getTextRecursively()).contains("cat (3)", "dog (3)", "6 images, 2 classes");
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

    @Test
    void viewersSeeNoUploadForm() {
        login(Role.VIEWER);
        UI.getCurrent().navigate(DatasetsView.class);
        DatasetsView view = _get(DatasetsView.class);
        assertThat(view.upload.isAttached()).isFalse();
    }
}
