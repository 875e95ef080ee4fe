package dev.templatelab.web.datasets;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Image;
import com.vaadin.flow.component.html.ListItem;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.html.UnorderedList;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.progressbar.ProgressBar;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.component.upload.Upload;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.server.streams.DownloadHandler;
import com.vaadin.flow.server.streams.TransferContext;
import com.vaadin.flow.server.streams.TransferProgressListener;
import com.vaadin.flow.server.streams.UploadHandler;
import com.vaadin.flow.spring.security.AuthenticationContext;
import dev.templatelab.storage.datasets.DatasetInfo;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.training.data.ImageFiles;
import dev.templatelab.training.data.ImportProgress;
import dev.templatelab.training.data.ImportStoppedException;
import dev.templatelab.web.layout.BackgroundWork;
import dev.templatelab.web.layout.Dialogs;
import dev.templatelab.web.layout.MainLayout;
import dev.templatelab.web.security.Role;
import jakarta.annotation.security.PermitAll;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Datasets: upload a zip (upload progress, then files extracted and checked, with Stop), see each dataset's classes, counts and
 * sample thumbnails and the import's warnings; delete one that no experiment uses.
 */
@Route(value = "datasets", layout = MainLayout.class)
@PageTitle("Datasets · TemplateLab")
@PermitAll
public class DatasetsView extends VerticalLayout {

    private static final int THUMBNAILS_PER_CLASS = 6;

    private final DatasetService datasets;
    private final DatasetImports imports;
    private final boolean operator;
    final Grid<DatasetInfo> grid = new Grid<>(DatasetInfo.class, false);
    final TextField name = new TextField("Dataset name");
    final Upload upload;
    final ProgressBar importing = new ProgressBar();
    final Span importStatus = new Span();
    final VerticalLayout details = new VerticalLayout();
    final UnorderedList warnings = new UnorderedList();
    final Button stopImport = new Button("Stop import", e -> stopImport());
    /** Where imports run: a thread of their own each (tests run them where they like). */
    Executor importRunner = task -> {
        Thread thread = new Thread(task, "dataset-import");
        thread.setDaemon(true);
        thread.start();
    };
    /** The import in progress or last run, for tests to wait on. */
    CompletableFuture<DatasetImports.Imported> pendingImport;
    /** The running import's stop flag; null while none runs. */
    private AtomicBoolean stopRequested;
    private static final long PROGRESS_INTERVAL_NANOS = 250_000_000L;

    public DatasetsView(DatasetService datasets, DatasetImports imports, AuthenticationContext auth) {
        this.datasets = datasets;
        this.imports = imports;
        this.operator = auth.hasRole(Role.OPERATOR.name());
        setSizeFull();
        add(new H2("Datasets"));

        name.setId("dataset-name");
        name.setValueChangeMode(com.vaadin.flow.data.value.ValueChangeMode.EAGER);
        name.setPlaceholder("e.g. flowers-v1");
        name.setHelperText("A zip of a folder with one subfolder of images per class (" + ImageFiles.FORMAT_NAMES + ");"
                + " blank: the zip's file name");
        name.addValueChangeListener(e -> checkName());
        // Uploads land in TEMPLATELAB_HOME/uploads (not the system's temp folder): a transfer that breaks off is
        // deleted at once, and anything left there by a crash is swept at the next start.
        AtomicReference<Path> receiving = new AtomicReference<>();
        upload = new Upload(UploadHandler.toFile((metadata, file) -> {
            Path own = file.toPath();
            getUI().ifPresentOrElse(ui -> ui.access(() -> startImport(ui, datasetName(metadata.fileName()),
                    metadata.fileName(), own)), () -> deleteQuietly(own));
        }, metadata -> {
            Path file = imports.newUploadFile();
            receiving.set(file);
            return file.toFile();
        }, new TransferProgressListener() {
            @Override
            public void onError(TransferContext context, IOException reason) {
                deleteQuietly(receiving.getAndSet(null));
            }
        }));
        upload.setId("dataset-upload");
        upload.setAcceptedFileTypes("application/zip", ".zip");
        upload.setMaxFiles(1);
        importing.setIndeterminate(true);
        importing.setVisible(false);
        importStatus.setId("import-status");
        stopImport.setId("stop-import");
        stopImport.addThemeVariants(ButtonVariant.LUMO_TERTIARY);
        stopImport.setVisible(false);
        warnings.setId("import-warnings");
        if (operator) {
            HorizontalLayout form = new HorizontalLayout(name, upload);
            form.setAlignItems(Alignment.BASELINE);
            add(form, importing, new HorizontalLayout(importStatus, stopImport), warnings);
        } else {
            add(new Paragraph("Uploading datasets needs the operator role."));
        }

        grid.setId("datasets-grid");
        grid.addColumn(DatasetInfo::name).setHeader("Name").setAutoWidth(true);
        grid.addColumn(DatasetInfo::imageCount).setHeader("Images").setAutoWidth(true);
        grid.addColumn(d -> d.classes().size()).setHeader("Classes").setAutoWidth(true);
        grid.addColumn(d -> String.join(", ", d.classes().subList(0, Math.min(10, d.classes().size())))
                + (d.classes().size() > 10 ? ", ..." : "")).setHeader("Class names").setFlexGrow(1);
        grid.addColumn(d -> d.createdAt().toString().substring(0, 19).replace('T', ' ')).setHeader("Added")
                .setAutoWidth(true);
        if (operator) {
            grid.addComponentColumn(this::deleteButton).setHeader("").setAutoWidth(true);
        }
        grid.asSingleSelect().addValueChangeListener(e -> showDetails(e.getValue()));
        grid.setHeight("320px");
        add(grid, details);
        refresh();
    }

    /** Says at once when the typed name is taken, before a large upload is sent for nothing. */
    private void checkName() {
        String typed = name.getValue().trim();
        boolean taken = !typed.isEmpty() && datasets.findByName(typed).isPresent();
        name.setInvalid(taken);
        name.setErrorMessage(taken ? "a dataset named '" + typed + "' already exists; choose another name" : null);
        upload.setEnabled(!taken && stopRequested == null);   // one import at a time
    }

    /** The name typed, else the uploaded file's name without ".zip". */
    private String datasetName(String fileName) {
        if (!name.getValue().isBlank()) {
            return name.getValue().trim();
        }
        return fileName == null ? "" : fileName.replaceFirst("(?i)\\.zip$", "");
    }

    /** Reloads the list (after an upload or delete). */
    void refresh() {
        grid.setItems(datasets.list());
    }

    /**
     * Imports an uploaded zip in the background (it hashes and checks every image: minutes for a large dataset),
     * showing how many files are extracted and checked; Stop ends it with nothing kept. The outcome arrives through
     * {@link UI#access} and push; a page closed meanwhile does not stop the import.
     */
    void startImport(UI ui, String datasetName, String fileName, Path file) {
        AtomicBoolean stop = new AtomicBoolean();
        importing.setIndeterminate(true);
        importing.setVisible(true);
        importStatus.removeClassName("tl-error-text");
        importStatus.setText("Importing " + fileName + "...");
        warnings.removeAll();
        upload.setEnabled(false);
        stopImport.setEnabled(true);
        stopImport.setVisible(true);
        stopRequested = stop;
        ImportProgress progress = progressShownOn(ui, fileName, stop);
        pendingImport = CompletableFuture.supplyAsync(() -> {
            try {
                return imports.importZip(datasetName, fileName, file, progress);
            } finally {
                deleteQuietly(file);
            }
        }, importRunner).whenComplete((imported, error) -> BackgroundWork.accessIfOpen(ui, () -> finishImport(fileName, imported, error)));
    }

    /** What the importing thread reports, shown on the page at most every {@link #PROGRESS_INTERVAL_NANOS}. */
    ImportProgress progressShownOn(UI ui, String fileName, AtomicBoolean stop) {
        AtomicLong lastShown = new AtomicLong(System.nanoTime() - PROGRESS_INTERVAL_NANOS);
        return new ImportProgress() {
            @Override
            public boolean stopRequested() {
                return stop.get();
            }

            @Override
            public void progressed(Phase phase, int done, int total) {
                long now = System.nanoTime();
                // The last report of a phase always shows, so the page never rests on a stale count.
                if (done < total && now - lastShown.get() < PROGRESS_INTERVAL_NANOS) {
                    return;
                }
                lastShown.set(now);
                BackgroundWork.accessIfOpen(ui, () -> {
                    if (stop.get()) {
                        return;   // "Stopping..." stays until the import ends
                    }
                    importing.setIndeterminate(total == 0);
                    importing.setValue(total == 0 ? 0 : (double) done / total);
                    boolean registering = done == total && phase == Phase.CHECKING;
                    importStatus.setText(String.format(Locale.ROOT, "%s %s: %,d of %,d files",
                            phase == Phase.EXTRACTING ? "Extracting" : "Checking the images of", fileName, done, total)
                            + (registering ? "; registering it..." : ""));
                    if (registering) {
                        stopImport.setEnabled(false);   // registering and packing it for workers cannot be stopped
                    }
                });
            }
        };
    }

    private void finishImport(String fileName, DatasetImports.Imported imported, Throwable error) {
        stopRequested = null;
        importing.setVisible(false);
        stopImport.setVisible(false);
        upload.clearFileList();
        checkName();   // enables the upload again, unless the name typed is taken
        Throwable cause = BackgroundWork.cause(error);
        if (cause instanceof ImportStoppedException) {
            importStatus.setText("Stopped importing " + fileName + "; nothing was kept. Upload it again to import it.");
        } else if (cause != null) {
            importStatus.setText("Import failed: " + cause.getMessage());
            importStatus.addClassName("tl-error-text");
            Dialogs.showError("Import failed: " + cause.getMessage());
        } else {
            importStatus.setText("Imported " + imported.dataset().name() + ": " + imported.dataset().imageCount()
                    + " images in " + imported.dataset().classes().size() + " classes"
                    + (imported.warnings().isEmpty() ? "" : ", " + imported.warnings().size() + " warning(s)"));
            imported.warnings().stream().limit(50).forEach(w -> warnings.add(new ListItem(w)));
            refresh();
            grid.select(imported.dataset());
            name.clear();   // it is taken now; the next upload needs a name of its own
        }
    }

    private void stopImport() {
        if (stopRequested == null) {
            return;
        }
        stopRequested.set(true);
        stopImport.setEnabled(false);
        importing.setIndeterminate(true);
        importStatus.setText("Stopping the import...");
    }

    private Button deleteButton(DatasetInfo dataset) {
        Button delete = new Button("Delete", e -> {
            Dialogs.confirmDestructive("Delete " + dataset.name() + "?",
                    "Its record and uploaded files are removed. Datasets used by experiments cannot be deleted.",
                    "Delete", "Keep", () -> {
                        try {
                            imports.delete(dataset.id());
                            Notification.show("Deleted " + dataset.name());
                            details.removeAll();
                            refresh();
                        } catch (RuntimeException ex) {
                            Dialogs.showError(ex.getMessage());
                        }
                    });
        });
        delete.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_SMALL, ButtonVariant.LUMO_TERTIARY);
        return delete;
    }

    private void showDetails(DatasetInfo dataset) {
        details.removeAll();
        if (dataset == null) {
            return;
        }
        details.add(new H3(dataset.name() + " — " + dataset.imageCount() + " images, " + dataset.classes().size()
                + " classes"));
        Paragraph hash = new Paragraph("Content SHA-256: " + (dataset.contentHash() == null ? "-" : dataset.contentHash()));
        hash.addClassName("tl-mono");
        details.add(hash);
        if (!dataset.warnings().isEmpty()) {
            // Kept with the dataset: what its import skipped or found worth a look, after the upload's answer is gone.
            UnorderedList lines = new UnorderedList(dataset.warnings().stream().map(ListItem::new).toArray(ListItem[]::new));
            Details warnings = new Details("Import warnings (" + dataset.warnings().size() + ")", lines);
            warnings.setId("import-warnings");
            details.add(warnings);
        }
        for (String c : dataset.classes().subList(0, Math.min(50, dataset.classes().size()))) {
            Div thumbs = new Div();
            thumbs.addClassName("tl-thumbs");
            List<Path> samples = DatasetImports.samples(dataset, c, THUMBNAILS_PER_CLASS);
            for (Path image : samples) {
                thumbs.add(new Image(DownloadHandler.forFile(image.toFile()), c));
            }
            // Datasets that tune registered before 2026-12-01 have no counts recorded: show none rather than 0.
            Integer count = dataset.classCounts().get(c);
            Span label = new Span(count == null ? c : c + " (" + count + ")");
            label.setWidth("160px");
            HorizontalLayout row = new HorizontalLayout(label, thumbs);
            row.setAlignItems(Alignment.CENTER);
            details.add(row);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LoggerFactory.getLogger(DatasetsView.class).warn("Could not delete {}: {}", file, e.getMessage());
        }
    }
}
