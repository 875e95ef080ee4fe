package dev.templatelab.web.experiments;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Pre;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouterLink;
import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.artifacts.CheckpointInfo;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.events.EventInfo;
import dev.templatelab.storage.events.EventService;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.storage.metrics.RecordedEpoch;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialParam;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.web.charts.EChart;
import dev.templatelab.web.layout.MainLayout;
import jakarta.annotation.security.PermitAll;

import java.util.List;
import java.util.Map;

/**
 * One trial: hyperparameters, learning curves, per-class metrics and confusion matrix, its events,
 * the error if it failed, and its checkpoints with size, SHA-256 and a download link each.
 */
@Route(value = "trials/:id", layout = MainLayout.class)
@PageTitle("Trial · TemplateLab")
@PermitAll
public class TrialView extends VerticalLayout implements BeforeEnterObserver {

    private final TrialService trials;
    private final ExperimentService experiments;
    private final MetricService metrics;
    private final EventService events;
    private final CheckpointService checkpoints;
    private final DatasetService datasets;

    final H2 title = new H2();
    final Paragraph summary = new Paragraph();
    final Grid<TrialParam> params = new Grid<>();
    final EChart accuracy = new EChart();
    final EChart loss = new EChart();
    final EChart confusion = new EChart();
    final Div perClass = new Div();
    final Pre error = new Pre();
    final Grid<CheckpointInfo> checkpointGrid = new Grid<>();
    final VerticalLayout eventLog = new VerticalLayout();
    private final Div experimentLink = new Div();

    public TrialView(TrialService trials, ExperimentService experiments, MetricService metrics, EventService events,
                     CheckpointService checkpoints, DatasetService datasets) {
        this.trials = trials;
        this.experiments = experiments;
        this.metrics = metrics;
        this.events = events;
        this.checkpoints = checkpoints;
        this.datasets = datasets;
        setWidthFull();
        params.addColumn(TrialParam::name).setHeader("Hyperparameter").setAutoWidth(true);
        params.addColumn(TrialCharts::valueText).setHeader("Value").setAutoWidth(true);
        params.addColumn(TrialView::searchedOver).setHeader("Searched over").setKey("searchedOver").setFlexGrow(1);
        params.setAllRowsVisible(true);
        params.addThemeVariants(GridVariant.LUMO_COMPACT);
        params.setId("trial-params");
        error.setId("trial-error");
        error.addClassName("tl-error-text");
        checkpointGrid.setId("trial-checkpoints");
        // The short columns keep their width and the SHA-256 gets the rest: grown alike, they cut its 64 digits short.
        checkpointGrid.addColumn(c -> c.epoch() + 1).setHeader("Epoch").setAutoWidth(true).setFlexGrow(0);
        checkpointGrid.addColumn(c -> c.best() ? "best" : "").setHeader("").setAutoWidth(true).setFlexGrow(0);
        checkpointGrid.addColumn(c -> Formats.bytes(c.sizeBytes())).setHeader("Size").setAutoWidth(true).setFlexGrow(0);
        checkpointGrid.addColumn(CheckpointInfo::sha256).setHeader("SHA-256").setKey("sha256").setAutoWidth(true)
                .setFlexGrow(1).setClassNameGenerator(c -> "tl-mono");
        checkpointGrid.addComponentColumn(this::downloadLink).setHeader("").setAutoWidth(true).setFlexGrow(0);
        checkpointGrid.setAllRowsVisible(true);
        eventLog.setPadding(false);
        eventLog.setSpacing(false);
        accuracy.setId("trial-accuracy");
        loss.setId("trial-loss");
        add(experimentLink, title, summary, error, new H3("Hyperparameters"), params, accuracy, loss,
                new H3("Per-class metrics"), confusion, perClass, new H3("Checkpoints"), checkpointGrid,
                new H3("Events"), eventLog);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        TrialInfo trial;
        try {
            trial = trials.get(Long.parseLong(event.getRouteParameters().get("id").orElse("")));
        } catch (NumberFormatException | NotFoundException e) {
            event.rerouteToError(com.vaadin.flow.router.NotFoundException.class, "no trial "
                    + event.getRouteParameters().get("id").orElse(""));
            return;
        }
        show(trial);
    }

    void show(TrialInfo trial) {
        ExperimentInfo experiment = experiments.get(trial.experimentId());
        experimentLink.removeAll();
        experimentLink.add(new RouterLink("← " + experiment.name(), ExperimentView.class,
                new com.vaadin.flow.router.RouteParameters("id", String.valueOf(experiment.id()))));
        title.setText("Trial #" + trial.number() + " · " + trial.template());
        summary.setText(trial.state() + " · objective " + Formats.objective(trial.objectiveValue(),
                experiment.objective().higherIsBetter()) + (trial.bestEpoch() == null ? "" : " at epoch "
                + (trial.bestEpoch() + 1)) + " · " + Formats.duration(trial.startedAt(), trial.finishedAt())
                + " · worker " + (trial.workerId() == null ? "-" : trial.workerId()) + " · attempts " + trial.attempts()
                + (trial.state() == TrialState.CANCELLED ? " · stopped when the experiment was cancelled" : ""));
        error.setText(trial.error() == null ? "" : trial.error());
        error.setVisible(trial.error() != null);
        params.setItems(trial.params());
        Map<Long, List<RecordedEpoch>> curve = Map.of(trial.id(), metrics.curve(trial.id()));
        accuracy.setOption(TrialCharts.learningCurves("Validation accuracy", Metric.VAL_ACCURACY, curve,
                id -> "val accuracy"));
        var lossSeries = new java.util.ArrayList<dev.templatelab.web.charts.ChartOptions.Series>();
        for (Metric m : List.of(Metric.TRAIN_LOSS, Metric.VAL_LOSS)) {
            List<double[]> points = curve.get(trial.id()).stream().filter(e -> m.of(e.metrics()) != null)
                    .map(e -> new double[] {e.metrics().epoch() + 1, m.of(e.metrics())}).toList();
            lossSeries.add(new dev.templatelab.web.charts.ChartOptions.Series(TrialCharts.label(m), points));
        }
        loss.setOption(dev.templatelab.web.charts.ChartOptions.lines("Loss", "epoch", "loss", lossSeries));
        perClass.removeAll();
        var evaluation = trials.evaluation(trial.id());
        if (evaluation.isPresent()) {
            var option = Evaluations.confusionMatrix(evaluation.get(), datasets.get(experiment.datasetId()).classes());
            if (option != null) {
                confusion.setOption(option);
            }
            perClass.add(Evaluations.perClassGrid(evaluation.get()));
        } else {
            confusion.setVisible(false);
            perClass.add(new Span(switch (trial.state()) {
                case CANCELLED -> "No evaluation recorded (the trial was cancelled before it completed).";
                // Finished, but stopped early by the pruner: "has not completed" read as if it were still running.
                case PRUNED -> "No evaluation recorded (the pruner stopped the trial before it completed).";
                case FAIL -> "No evaluation recorded (the trial failed before it completed).";
                default -> "No evaluation recorded (the trial has not completed).";
            }));
        }
        checkpointGrid.setItems(checkpoints.list(trial.id()));
        eventLog.removeAll();
        for (EventInfo e : events.ofTrial(trial.id(), 200)) {
            Span line = new Span(Formats.time(e.at()) + "  " + e.level() + "  " + e.message());
            line.addClassName("tl-mono");
            eventLog.add(line);
        }
    }

    private Anchor downloadLink(CheckpointInfo c) {
        Anchor link = new Anchor("download/trials/" + c.trialId() + "/checkpoints/" + c.id(), "Download");
        link.getElement().setAttribute("download", true);
        return link;
    }

    /**
     * A parameter's distribution in the New-experiment form's syntax ({@code log:1e-05..0.001}, {@code 16,32}), what a
     * person would type to search it again; one value says it was fixed. A row that does not read as a distribution
     * shows its JSON.
     */
    static String searchedOver(TrialParam p) {
        return TrialCharts.distribution(p).map(d -> SpaceText.of(d) + (d.isSingle() ? " (fixed)" : ""))
                .orElse(p.distributionJson());
    }
}
