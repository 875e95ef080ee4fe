package dev.templatelab.web.experiments;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.data.provider.CallbackDataProvider;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.orderedlayout.FlexLayout;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.progressbar.ProgressBar;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouterLink;
import com.vaadin.flow.spring.data.VaadinSpringDataHelpers;
import com.vaadin.flow.spring.security.AuthenticationContext;
import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.events.EventInfo;
import dev.templatelab.storage.events.EventService;
import dev.templatelab.storage.experiments.DeletedExperiment;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.experiments.ExperimentSummary;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.web.charts.ChartOptions;
import dev.templatelab.web.charts.EChart;
import dev.templatelab.web.layout.Dialogs;
import dev.templatelab.web.layout.MainLayout;
import dev.templatelab.web.security.Role;
import jakarta.annotation.security.PermitAll;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One experiment, live while it runs: progress, controls, the best model's download, a lazy trial grid,
 * learning curves of the selected trials, optimisation history, parallel coordinates, the templates
 * compared, and the best trial's confusion matrix and per-class metrics.
 */
@Route(value = "experiments/:id", layout = MainLayout.class)
@PageTitle("Experiment · TemplateLab")
@PermitAll
public class ExperimentView extends VerticalLayout implements BeforeEnterObserver {

    /** Finished trials drawn in the charts (the newest this many; the grid pages through all). */
    static final int CHART_TRIALS = 2000;
    private static final int CURVES_BY_DEFAULT = 5;

    private final ExperimentControl control;
    private final TrialService trials;
    private final MetricService metrics;
    private final EventService events;
    private final DatasetService datasets;
    private final BestCheckpoints bestCheckpoints;
    private final LiveUpdates live;
    private final boolean operator;

    private long experimentId;
    private ExperimentInfo experiment;
    private LiveUpdates.Watcher watcher;

    final H2 title = new H2();
    final Span state = new Span();
    final Paragraph settings = new Paragraph();
    final ProgressBar progress = new ProgressBar();
    final Span counts = new Span();
    final Button pause = new Button("Pause");
    final Button resume = new Button("Resume");
    final Button cancel = new Button("Cancel");
    final Button delete = new Button("Delete");
    final Anchor download = new Anchor();
    final Anchor downloadPytorch = new Anchor();
    final Span bestSha = new Span();
    final Span bestShaLabel = new Span("SHA-256:");
    final Span bestText = new Span();
    final Select<TrialState> trialState = new Select<>();
    final Grid<TrialInfo> trialGrid = new Grid<>();
    final EChart curves = new EChart();
    final EChart history = new EChart();
    final EChart parallel = new EChart();
    final EChart comparison = new EChart();
    final EChart confusion = new EChart();
    final Grid<TemplateRow> templateGrid = new Grid<>();
    final Div perClass = new Div();
    final VerticalLayout eventLog = new VerticalLayout();

    /** One template's line in the comparison table. */
    public record TemplateRow(String template, long complete, long pruned, long failed, long cancelled, Double best,
                              Double median) {
    }

    public ExperimentView(ExperimentControl control, TrialService trials, MetricService metrics, EventService events,
                          DatasetService datasets, BestCheckpoints bestCheckpoints, LiveUpdates live,
                          AuthenticationContext auth) {
        this.control = control;
        this.trials = trials;
        this.metrics = metrics;
        this.events = events;
        this.datasets = datasets;
        this.bestCheckpoints = bestCheckpoints;
        this.live = live;
        this.operator = auth.hasRole(Role.OPERATOR.name());
        setWidthFull();

        state.setId("experiment-state");
        state.getElement().getThemeList().add("badge");
        counts.setId("trial-counts");
        progress.setWidth("300px");
        pause.setId("pause");
        resume.setId("resume");
        cancel.setId("cancel");
        cancel.addThemeVariants(ButtonVariant.LUMO_ERROR);
        pause.addClickListener(e -> act("paused", () -> control.pause(experimentId)));
        resume.addClickListener(e -> act("resumed", () -> control.resume(experimentId)));
        cancel.addClickListener(e -> confirmCancel());
        delete.setId("delete");
        delete.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_TERTIARY);
        delete.addClickListener(e -> confirmDelete());
        download.setId("download-best");
        download.getElement().setAttribute("download", true);
        downloadPytorch.setId("download-best-pytorch");
        downloadPytorch.getElement().setAttribute("download", true);
        downloadPytorch.getElement().setAttribute("title", "A zip of the network as a safetensors state dict and "
                + "templatelab_torch.py, which builds it in PyTorch (as 'templatelab export' writes them)");
        bestSha.setId("best-sha256");
        bestSha.addClassName("tl-mono");
        bestText.setId("best-trial");

        HorizontalLayout header = new HorizontalLayout(title, state);
        header.setAlignItems(Alignment.BASELINE);
        HorizontalLayout controls = new HorizontalLayout(progress, counts);
        controls.setAlignItems(Alignment.CENTER);
        if (operator) {
            controls.add(pause, resume, cancel, delete);
        }
        Button downloadButton = new Button("Download best model");
        downloadButton.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        download.add(downloadButton);
        Button pytorchButton = new Button("For PyTorch (.zip)");
        pytorchButton.addThemeVariants(ButtonVariant.LUMO_TERTIARY);
        downloadPytorch.add(pytorchButton);
        HorizontalLayout downloads = new HorizontalLayout(download, downloadPytorch);
        downloads.setAlignItems(Alignment.CENTER);
        VerticalLayout bestBox = new VerticalLayout(bestText, downloads, bestShaLabel, bestSha);
        bestBox.addClassName("tl-card");
        bestBox.setSpacing(false);
        add(header, settings, controls, bestBox);

        trialState.setLabel("Trial state");
        trialState.setItems(TrialState.values());
        trialState.setEmptySelectionAllowed(true);
        trialState.setEmptySelectionCaption("all");
        trialState.addValueChangeListener(e -> trialGrid.getDataProvider().refreshAll());
        buildTrialGrid();
        add(new H3("Trials"), trialState, trialGrid);

        templateGrid.addColumn(TemplateRow::template).setHeader("Template").setAutoWidth(true);
        templateGrid.addColumn(TemplateRow::complete).setHeader("Complete");
        templateGrid.addColumn(TemplateRow::pruned).setHeader("Pruned");
        templateGrid.addColumn(TemplateRow::failed).setHeader("Failed");
        templateGrid.addColumn(TemplateRow::cancelled).setHeader("Cancelled");
        templateGrid.addColumn(r -> fmt(r.best())).setHeader("Best").setKey("best");
        templateGrid.addColumn(r -> fmt(r.median())).setHeader("Median");
        templateGrid.setAllRowsVisible(true);
        templateGrid.addThemeVariants(GridVariant.LUMO_COMPACT);
        templateGrid.setId("template-comparison");

        curves.setId("chart-curves");
        history.setId("chart-history");
        parallel.setId("chart-parallel");
        comparison.setId("chart-comparison");
        confusion.setId("chart-confusion");
        FlexLayout charts = new FlexLayout(box(curves), box(history), box(comparison), box(parallel));
        charts.setFlexWrap(FlexLayout.FlexWrap.WRAP);
        charts.setWidthFull();
        add(new H3("Templates compared"), templateGrid, charts);
        perClass.setWidthFull();
        add(new H3("Best trial: confusion matrix and per-class metrics"), box(confusion), perClass);
        eventLog.setSpacing(false);
        eventLog.setPadding(false);
        add(new H3("Events"), eventLog);
    }

    private static Div box(EChart chart) {
        Div box = new Div(chart);
        box.setMinWidth("420px");
        box.getStyle().set("flex", "1 1 45%");
        return box;
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        try {
            experimentId = Long.parseLong(event.getRouteParameters().get("id").orElse(""));
            experiment = control.get(experimentId);
        } catch (NumberFormatException | NotFoundException e) {
            event.rerouteToError(com.vaadin.flow.router.NotFoundException.class, "no experiment " + event.getRouteParameters().get("id")
                    .orElse(""));
            return;
        }
        refresh();
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        super.onAttach(attachEvent);
        if (experiment != null) {
            watcher = live.watch(attachEvent.getUI(), this, experimentId, this::refresh);
        }
    }

    @Override
    protected void onDetach(DetachEvent detachEvent) {
        live.unwatch(watcher);
        watcher = null;
        super.onDetach(detachEvent);
    }

    /** Reads everything again (called on entry and by {@link LiveUpdates} when the experiment changed). */
    void refresh() {
        ExperimentSummary summary = control.summary(experimentId);
        experiment = summary.experiment();
        title.setText(experiment.name());
        state.setText(experiment.state().name());
        settings.setText("dataset " + datasetName(experiment.datasetId()) + " · templates "
                + String.join(", ", experiment.templates()) + " · sampler " + experiment.sampler() + " · pruner "
                + experiment.pruner() + " · objective " + TrialCharts.label(experiment.objective()) + " · "
                + (experiment.budget().maxTrials() == null ? "no trial limit"
                : Formats.count(experiment.budget().maxTrials(), "trial"))
                + (experiment.budget().maxEpochsPerTrial() == null ? ""
                : " of at most " + Formats.count(experiment.budget().maxEpochsPerTrial(), "epoch")) + " · " + experiment.parallelism()
                + " at once · running " + Formats.duration(experiment.runningTime(control.databaseNow()))
                + (experiment.budget().maxWallClockSeconds() == null ? ""
                : " of " + Formats.duration(Duration.ofSeconds(experiment.budget().maxWallClockSeconds())))
                + (experiment.pausedAt() != null || !experiment.pausedBefore().isZero() ? " (pauses not counted)" : ""));

        var s = summary.trials();
        long finished = s.finished();
        Integer max = experiment.budget().maxTrials();
        long total = max != null ? Math.max(max, s.total()) : Math.max(1, s.total());
        progress.setValue(Math.min(1, finished / (double) total));
        counts.setText(finished + " of " + total + " trials finished: " + s.count(TrialState.COMPLETE) + " complete, "
                + s.count(TrialState.PRUNED) + " pruned, " + s.count(TrialState.FAIL) + " failed, "
                + (s.count(TrialState.CANCELLED) > 0 ? s.count(TrialState.CANCELLED) + " cancelled, " : "")
                + s.count(TrialState.RUNNING) + " running, " + s.count(TrialState.WAITING) + " waiting"
                + (s.count(TrialState.HELD) > 0 ? ", " + s.count(TrialState.HELD) + " held at a rung" : "") + " · "
                + Formats.count(summary.totals().epochsRecorded(), "epoch") + " trained");
        ExperimentState st = experiment.state();
        pause.setEnabled(st == ExperimentState.QUEUED || st == ExperimentState.RUNNING);
        resume.setEnabled(st == ExperimentState.PAUSED);
        cancel.setEnabled(!st.isFinished());
        delete.setEnabled(st.isFinished());

        refreshBest(summary);
        trialGrid.getDataProvider().refreshAll();
        refreshCharts();
        refreshEvents();
    }

    private void refreshBest(ExperimentSummary summary) {
        var best = summary.best();
        // A cancelled experiment without a complete trial offers its best cancelled trial's checkpoint.
        var checkpoint = best.isPresent() || experiment.state() == ExperimentState.CANCELLED
                ? bestCheckpoints.ofExperiment(experimentId) : java.util.Optional.<BestCheckpoints.Download>empty();
        bestText.setText(best.map(t -> "Best trial #" + t.number() + " (" + t.template() + "): "
                + fmt(t.objectiveValue()) + " " + TrialCharts.label(experiment.objective()))
                .or(() -> checkpoint.filter(BestCheckpoints.Download::fromCancelledTrial).map(d -> "No trial completed; "
                        + "best cancelled trial #" + d.trial().number() + " (" + d.trial().template() + "): "
                        + fmt(d.trial().objectiveValue()) + " " + TrialCharts.label(experiment.objective()) + " at epoch "
                        + (d.checkpoint().epoch() + 1) + ", whose checkpoint is offered"))
                .orElse(experiment.state() == ExperimentState.CANCELLED
                        ? "No trial completed, and no cancelled trial finished an epoch with a checkpoint"
                        : "No complete trial yet"));
        if (checkpoint.isPresent()) {
            download.setHref("download/experiments/" + experimentId + "/best-checkpoint");
            download.setEnabled(true);
            download.setVisible(true);
            downloadPytorch.setHref("download/experiments/" + experimentId + "/best-checkpoint/pytorch");
            downloadPytorch.setVisible(true);
            bestSha.setText(checkpoint.get().checkpoint().sha256());
        } else {
            download.removeHref();
            download.setVisible(false);
            downloadPytorch.removeHref();
            downloadPytorch.setVisible(false);
            bestSha.setText("-");
        }
        // No checkpoint, no hash: a bare "SHA-256: -" under "No complete trial yet" read as a missing value.
        bestShaLabel.setVisible(checkpoint.isPresent());
        bestSha.setVisible(checkpoint.isPresent());
    }

    private void buildTrialGrid() {
        trialGrid.setId("trials-grid");
        trialGrid.addComponentColumn(t -> new RouterLink("#" + t.number(), TrialView.class,
                new com.vaadin.flow.router.RouteParameters("id", String.valueOf(t.id()))))
                .setHeader("#").setSortProperty("number").setKey("number").setAutoWidth(true);
        trialGrid.addColumn(TrialInfo::state).setHeader("State").setSortProperty("state").setKey("state")
                .setAutoWidth(true);
        trialGrid.addColumn(TrialInfo::template).setHeader("Template").setSortProperty("template").setKey("template")
                .setAutoWidth(true);
        trialGrid.addColumn(t -> fmt(t.objectiveValue())).setHeader("Objective").setSortProperty("objectiveValue")
                .setKey("objective").setAutoWidth(true);
        trialGrid.addColumn(t -> t.bestEpoch() == null ? "-" : Integer.toString(t.bestEpoch() + 1))
                .setHeader("Best epoch").setKey("bestEpoch").setAutoWidth(true);
        trialGrid.addColumn(t -> Formats.duration(t.startedAt(), t.finishedAt())).setHeader("Duration")
                .setKey("duration").setAutoWidth(true);
        trialGrid.addColumn(TrialCharts::params).setHeader("Parameters").setKey("params").setFlexGrow(1)
                .setTooltipGenerator(TrialCharts::params);   // all of them, where the column cuts them short
        trialGrid.setSelectionMode(Grid.SelectionMode.MULTI);
        trialGrid.addSelectionListener(e -> refreshCurves());
        // Rows are told apart by trial id: a running trial's record changes every epoch, and the selection must still
        // know it (and let it be deselected) after the grid redraws.
        trialGrid.setItems(new CallbackDataProvider<TrialInfo, Void>(
                query -> trials.page(experimentId, trialState.getValue(),
                        byNumberUnlessSorted(VaadinSpringDataHelpers.toSpringPageRequest(query))).stream(),
                query -> (int) trials.page(experimentId, trialState.getValue(), PageRequest.of(0, 1)).getTotalElements(),
                TrialInfo::id));
        trialGrid.setHeight("360px");
        trialGrid.addThemeVariants(GridVariant.LUMO_COMPACT);
    }

    private void refreshCharts() {
        List<TrialInfo> complete = newest(TrialState.COMPLETE);
        history.setOption(TrialCharts.history(complete, experiment.objective()));
        parallel.setOption(TrialCharts.parallel(complete, experiment.objective()));
        comparison.setOption(TrialCharts.templateComparison(experiment.templates(), complete, experiment.objective()));
        templateGrid.setItems(templateRows(complete, newest(TrialState.PRUNED), newest(TrialState.FAIL),
                newest(TrialState.CANCELLED)));
        refreshCurves();
        refreshEvaluation();
    }

    private List<TrialInfo> newest(TrialState state) {
        return trials.page(experimentId, state, PageRequest.of(0, CHART_TRIALS, Sort.by(Sort.Direction.DESC, "number")))
                .getContent();
    }

    private List<TemplateRow> templateRows(List<TrialInfo> complete, List<TrialInfo> pruned, List<TrialInfo> failed,
                                           List<TrialInfo> cancelled) {
        Map<String, Long> prunedBy = pruned.stream().collect(Collectors.groupingBy(TrialInfo::template, Collectors.counting()));
        Map<String, Long> failedBy = failed.stream().collect(Collectors.groupingBy(TrialInfo::template, Collectors.counting()));
        Map<String, Long> cancelledBy = cancelled.stream()
                .collect(Collectors.groupingBy(TrialInfo::template, Collectors.counting()));
        boolean higher = experiment.objective().higherIsBetter();
        List<TemplateRow> rows = new ArrayList<>();
        for (String template : experiment.templates()) {
            double[] v = complete.stream().filter(t -> t.template().equals(template) && t.objectiveValue() != null)
                    .mapToDouble(TrialInfo::objectiveValue).sorted().toArray();
            Double best = v.length == 0 ? null : higher ? v[v.length - 1] : v[0];
            Double median = v.length == 0 ? null : ChartOptions.quartiles(v)[2];
            rows.add(new TemplateRow(template, v.length, prunedBy.getOrDefault(template, 0L),
                    failedBy.getOrDefault(template, 0L), cancelledBy.getOrDefault(template, 0L), best, median));
        }
        return rows;
    }

    /** Curves of the selected trials, or of the best few when none is selected. */
    private void refreshCurves() {
        List<TrialInfo> shown = new ArrayList<>(trialGrid.getSelectedItems());
        String title = "Learning curves (selected trials)";
        if (shown.isEmpty()) {
            shown = trials.ranked(experimentId, experiment.direction(), PageRequest.of(0, CURVES_BY_DEFAULT)).getContent();
            title = "Learning curves (best " + CURVES_BY_DEFAULT + "; select trials to compare)";
        }
        Map<Long, String> names = new LinkedHashMap<>();
        shown.forEach(t -> names.put(t.id(), "#" + t.number() + " " + t.template()));
        curves.setOption(TrialCharts.learningCurves(title, experiment.objective(), metrics.curves(names.keySet()),
                names::get));
    }

    private void refreshEvaluation() {
        perClass.removeAll();
        var best = trials.best(experimentId, experiment.direction());
        var evaluation = best.flatMap(t -> trials.evaluation(t.id()));
        if (evaluation.isEmpty()) {
            confusion.setOption(Map.of("title", Map.of("text", "Confusion matrix: no evaluation of the best trial yet",
                    "textStyle", Map.of("fontSize", 14))));
            return;
        }
        List<String> classes = datasets.get(experiment.datasetId()).classes();
        var option = Evaluations.confusionMatrix(evaluation.get(), classes);
        if (option != null) {
            confusion.setOption(option);
        }
        var grid = Evaluations.perClassGrid(evaluation.get());
        grid.setId("per-class-metrics");
        perClass.add(grid);
    }

    private void refreshEvents() {
        eventLog.removeAll();
        for (EventInfo e : events.recent(experimentId, 15)) {
            Span line = new Span(Formats.time(e.at()) + "  " + e.level() + "  " + e.message());
            line.addClassName("tl-mono");
            eventLog.add(line);
        }
    }

    /** Pages of an unsorted grid in a fixed order, so rows neither repeat nor go missing while trials change. */
    private static Pageable byNumberUnlessSorted(Pageable p) {
        return p.getSort().isSorted() ? p : PageRequest.of(p.getPageNumber(), p.getPageSize(), Sort.by("number"));
    }

    /** Cancelling cannot be undone (unfinished trials stop for good): asked first, as deleting a dataset is. */
    private void confirmCancel() {
        Dialogs.confirmDestructive("Cancel " + experiment.name() + "?",
                "Running and waiting trials stop for good (CANCELLED, keeping the epochs they finished and their best "
                        + "checkpoint) and the experiment cannot be resumed; finished trials and their checkpoints "
                        + "stay. To stop for a while, pause it instead.",
                "Cancel experiment", "Keep running", () -> act("cancelled", () -> control.cancel(experimentId)));
    }

    /** Deleting a finished experiment frees its checkpoints' disk; it cannot be undone, so it is asked first. */
    private void confirmDelete() {
        ExperimentSummary s = control.summary(experimentId);
        Dialogs.confirmDestructive("Delete " + experiment.name() + "?",
                "Its " + s.trials().total() + " trials, their metrics, events and checkpoints (the best model too) are "
                        + "removed for good. Download what you want to keep first.",
                "Delete", "Keep", () -> {
                    try {
                        DeletedExperiment d = control.delete(experimentId);
                        Notification.show("Deleted " + d.name() + ": " + d.trials() + " trials, " + d.checkpointFiles()
                                + " checkpoint files (" + Formats.bytes(d.checkpointBytes()) + ")");
                        getUI().ifPresent(ui -> ui.navigate(ExperimentsView.class));
                    } catch (RuntimeException ex) {
                        Dialogs.showError(ex.getMessage());
                        refreshOrLeave();
                    }
                });
    }

    private void act(String done, Runnable action) {
        try {
            action.run();
            Notification.show("Experiment " + done);
        } catch (RuntimeException e) {
            Dialogs.showError(e.getMessage());
        }
        refreshOrLeave();
    }

    /** After an action that failed, perhaps because the experiment was deleted from another page meanwhile. */
    private void refreshOrLeave() {
        try {
            refresh();
        } catch (NotFoundException gone) {
            getUI().ifPresent(ui -> ui.navigate(ExperimentsView.class));
        }
    }

    private String fmt(Double value) {
        return Formats.objective(value, experiment.objective().higherIsBetter());
    }

    private String datasetName(long id) {
        try {
            return datasets.get(id).name();
        } catch (NotFoundException e) {
            return "#" + id;
        }
    }
}
