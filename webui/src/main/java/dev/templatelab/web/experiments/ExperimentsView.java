package dev.templatelab.web.experiments;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.progressbar.ProgressBar;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouteAlias;
import com.vaadin.flow.router.RouterLink;
import com.vaadin.flow.spring.data.VaadinSpringDataHelpers;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentRow;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.web.layout.MainLayout;
import jakarta.annotation.security.PermitAll;
import org.springframework.data.domain.Pageable;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every experiment, newest first: state, progress, best objective and the template of the best trial,
 * running time (pauses not counted). Lazy-loaded page by page from the database and sorted there, so thousands of
 * experiments cost one page query each scroll step.
 */
@Route(value = "", layout = MainLayout.class)
@RouteAlias(value = "experiments", layout = MainLayout.class)
@PageTitle("Experiments · TemplateLab")
@PermitAll
public class ExperimentsView extends VerticalLayout {

    private final ExperimentService experiments;
    private final BestCheckpoints bestCheckpoints;
    final Grid<Line> grid = new Grid<>();
    final Select<ExperimentState> stateFilter = new Select<>();

    /**
     * One row: the experiment, its counts, its best trial (null if none) and the database's clock when the row was read
     * (running time is measured by it, as the wall-clock budget is).
     */
    record Line(ExperimentRow row, TrialInfo best, Instant readAt) {
        ExperimentInfo experiment() {
            return row.experiment();
        }

        String bestTemplate() {
            return best == null ? "-" : best.template();
        }

        String bestObjective() {
            if (best == null) {
                return Formats.objective(null, experiment().objective().higherIsBetter());
            }
            return Formats.objective(best.objectiveValue(), experiment().objective().higherIsBetter())
                    + (best.state() == TrialState.CANCELLED ? " (cancelled trial)" : "");
        }
    }

    public ExperimentsView(ExperimentService experiments, BestCheckpoints bestCheckpoints) {
        this.experiments = experiments;
        this.bestCheckpoints = bestCheckpoints;
        setSizeFull();
        stateFilter.setLabel("State");
        stateFilter.setItems(ExperimentState.values());
        stateFilter.setEmptySelectionAllowed(true);
        stateFilter.setEmptySelectionCaption("all");
        stateFilter.addValueChangeListener(e -> grid.getDataProvider().refreshAll());
        add(new HorizontalLayout(new H2("Experiments"), stateFilter));

        grid.setId("experiments-grid");
        // The columns fit a laptop's width (BrowserTest checks 1400 px): fixed widths for the long texts, which show in
        // full on hover, auto widths only for the short ones; a long name or template no longer pushes others away.
        grid.addComponentColumn(l -> new RouterLink(l.experiment().name(), ExperimentView.class,
                new com.vaadin.flow.router.RouteParameters("id", String.valueOf(l.experiment().id()))))
                .setHeader("Name").setSortProperty("name").setKey("name").setWidth("170px").setFlexGrow(2)
                .setTooltipGenerator(l -> l.experiment().name());
        grid.addColumn(l -> l.experiment().state()).setHeader("State").setSortProperty("state").setKey("state")
                .setAutoWidth(true).setFlexGrow(0);
        grid.addComponentColumn(this::progress).setHeader("Progress").setKey("progress").setWidth("150px")
                .setFlexGrow(0);
        grid.addColumn(Line::bestObjective)
                .setHeader("Best").setKey("best").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(Line::bestTemplate).setHeader("Best template").setKey("bestTemplate").setWidth("190px")
                .setFlexGrow(1).setTooltipGenerator(Line::bestTemplate);
        grid.addColumn(l -> String.join(", ", l.experiment().templates())).setHeader("Templates").setKey("templates")
                .setWidth("110px").setFlexGrow(1).setTooltipGenerator(l -> String.join(", ", l.experiment().templates()));
        grid.addColumn(l -> Formats.duration(l.experiment().runningTime(l.readAt())))
                .setHeader("Running").setKey("elapsed").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(l -> Formats.minute(l.experiment().createdAt()))
                .setHeader("Created").setSortProperty("createdAt").setKey("createdAt").setAutoWidth(true)
                .setFlexGrow(0);
        grid.setMultiSort(false);
        grid.setItems(query -> page(VaadinSpringDataHelpers.toSpringPageRequest(query)));
        grid.setSizeFull();
        add(grid);
    }

    private Stream<Line> page(Pageable pageable) {
        List<ExperimentRow> rows = experiments.list(stateFilter.getValue(), pageable).getContent();
        Instant now = experiments.databaseNow();
        return rows.stream().map(r -> new Line(r, bestCheckpoints.bestTrial(r), now));
    }

    private HorizontalLayout progress(Line line) {
        long finished = line.row().trials().finished();
        Integer max = line.experiment().budget().maxTrials();
        long total = max != null ? max : Math.max(1, line.row().trials().total());
        ProgressBar bar = new ProgressBar(0, 1, Math.min(1, finished / (double) total));
        bar.setWidth("70px");
        HorizontalLayout cell = new HorizontalLayout(bar, new com.vaadin.flow.component.html.Span(finished + "/" + total));
        cell.setAlignItems(Alignment.CENTER);
        return cell;
    }
}
