package dev.templatelab.web.experiments;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.github.mvysny.kaributesting.v10.pro.ConfirmDialogKt;
import com.vaadin.flow.component.confirmdialog.ConfirmDialog;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.router.RouteParameters;
import dev.templatelab.storage.artifacts.CheckpointService;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.experiments.Budget;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.NewExperiment;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.trials.NewTrial;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.web.TestData;
import dev.templatelab.web.UiTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

/** The experiments list, an experiment's page and a trial's page over a finished two-template experiment. */
class ExperimentPagesTest extends UiTest {

    @Autowired
    DatasetService datasets;
    @Autowired
    ExperimentService experiments;
    @Autowired
    TrialService trials;
    @Autowired
    CheckpointService checkpoints;
    @Autowired
    JdbcTemplate jdbc;

    TestData.Finished finished;

    @BeforeEach
    void experiment() throws IOException {
        long dataset = TestData.dataset(datasets, datasetsDir().resolve("pages-records")).id();
        finished = TestData.finishedExperiment(experiments, trials, checkpoints, dataset);
    }

    @Test
    void theListShowsProgressBestAndTemplateAndSortsByName() {
        UI.getCurrent().navigate(ExperimentsView.class);
        ExperimentsView view = _get(ExperimentsView.class);
        int rows = GridKt._size(view.grid);
        assertThat(rows).isGreaterThanOrEqualTo(1);
        int row = IntStream.range(0, rows).filter(i -> GridKt._get(view.grid, i).experiment().id()
                == finished.experiment().id()).findFirst().orElseThrow();
        assertThat(GridKt._getFormatted(view.grid, row, "best")).isEqualTo("90.0 %");
        assertThat(GridKt._getFormatted(view.grid, row, "bestTemplate")).isEqualTo(TestData.INCEPTION_V2);
        assertThat(GridKt._getFormatted(view.grid, row, "state")).isEqualTo("RUNNING");

        view.grid.sort(java.util.List.of(new com.vaadin.flow.component.grid.GridSortOrder<>(
                view.grid.getColumnByKey("name"), com.vaadin.flow.data.provider.SortDirection.ASCENDING)));
        var names = IntStream.range(0, GridKt._size(view.grid)).mapToObj(i -> GridKt._get(view.grid, i).experiment().name())
                .toList();
        assertThat(names).isSorted();
    }

    /** A long name is cut short (in full on hover) instead of sizing its column and pushing the others out of view. */
    @Test
    void theListDoesNotSizeItsNameColumnToTheLongestName() {
        UI.getCurrent().navigate(ExperimentsView.class);
        var name = _get(ExperimentsView.class).grid.getColumnByKey("name");
        assertThat(name.isAutoWidth()).isFalse();
        assertThat(name.getWidth()).isEqualTo("170px");
    }

    @Test
    void theExperimentPageComparesTemplatesAndOffersTheBestModel() {
        UI.getCurrent().navigate(ExperimentView.class,
                new RouteParameters("id", Long.toString(finished.experiment().id())));
        ExperimentView page = _get(ExperimentView.class);

        assertThat(page.title.getText()).isEqualTo(finished.experiment().name());
        assertThat(page.counts.getText()).startsWith("4 of 4 trials finished: 4 complete");
        assertThat(GridKt._size(page.trialGrid)).isEqualTo(4);
        assertThat(GridKt._size(page.templateGrid)).isEqualTo(2);
        assertThat(GridKt._get(page.templateGrid, 0).template()).isEqualTo(TestData.BN_INCEPTION);
        assertThat(GridKt._get(page.templateGrid, 0).best()).isEqualTo(0.7);
        assertThat(GridKt._get(page.templateGrid, 1).best()).isEqualTo(0.9);
        assertThat(page.comparison.getOptionJson()).contains(TestData.BN_INCEPTION, TestData.INCEPTION_V2, "boxplot");
        assertThat(page.parallel.getOptionJson()).contains("\"parallelAxis\"", "lrate")
                .as("batch_size is 16 in every trial: no axis").doesNotContain("batch_size");
        assertThat(page.history.getOptionJson()).contains("best so far");
        assertThat(page.curves.getOptionJson()).contains("#3 " + TestData.INCEPTION_V2);
        assertThat(page.confusion.getOptionJson()).contains("heatmap");

        String sha = checkpoints.best(finished.bestTrialId()).orElseThrow().sha256();
        assertThat(page.bestSha.getText()).isEqualTo(sha);
        assertThat(page.download.getHref()).isEqualTo("download/experiments/" + finished.experiment().id()
                + "/best-checkpoint");
        assertThat(page.bestText.getText()).contains("#3", TestData.INCEPTION_V2, "90.0 %");
    }

    /** Training's column order, with readable headers, whatever order the jsonb column gives the keys back in. */
    @Test
    void thePerClassMetricsReadClassPrecisionRecallF1Support() {
        UI.getCurrent().navigate(ExperimentView.class,
                new RouteParameters("id", Long.toString(finished.experiment().id())));
        ExperimentView page = _get(ExperimentView.class);
        @SuppressWarnings("unchecked")
        var perClass = (com.vaadin.flow.component.grid.Grid<java.util.Map<String, String>>) page.perClass.getChildren()
                .findFirst().orElseThrow();
        assertThat(perClass.getColumns()).extracting(c -> c.getHeaderText())
                .containsExactly("Class", "Precision", "Recall", "F1", "Support");
        assertThat(GridKt._getFormatted(perClass, 0, "class")).isEqualTo("a");
    }

    @Test
    void selectingTrialsDrawsTheirCurvesAndCancelStopsTheExperiment() {
        UI.getCurrent().navigate(ExperimentView.class,
                new RouteParameters("id", Long.toString(finished.experiment().id())));
        ExperimentView page = _get(ExperimentView.class);
        page.trialGrid.select(GridKt._get(page.trialGrid, 0));
        assertThat(page.curves.getOptionJson()).contains("selected trials", "#0 " + TestData.BN_INCEPTION)
                .doesNotContain("#3 ");

        // A running trial's row changes every epoch; after the page redraws it is still the selected trial, and
        // deselecting it leaves no curve selected.
        long first = GridKt._get(page.trialGrid, 0).id();
        jdbc.update("UPDATE trials SET heartbeat_at = now(), cpu_seconds = 42 WHERE id = ?", first);
        page.refresh();
        assertThat(page.trialGrid.getSelectedItems()).extracting(t -> t.id()).containsExactly(first);
        page.trialGrid.deselect(GridKt._get(page.trialGrid, 0));
        assertThat(page.trialGrid.getSelectedItems()).isEmpty();
        assertThat(page.curves.getOptionJson()).as("back to the best few").contains("select trials to compare")
                .doesNotContain("selected trials");

        _click(page.cancel);
        ConfirmDialog confirm = _get(ConfirmDialog.class);
        assertThat(ConfirmDialogKt._getHeader(confirm)).isEqualTo("Cancel " + finished.experiment().name() + "?");
        assertThat(experiments.get(finished.experiment().id()).state().name()).as("asked first").isEqualTo("RUNNING");
        assertThat(page.delete.isEnabled()).as("only a finished experiment can be deleted").isFalse();
        ConfirmDialogKt._fireConfirm(confirm);
        assertThat(experiments.get(finished.experiment().id()).state().name()).isEqualTo("CANCELLED");
        assertThat(page.state.getText()).isEqualTo("CANCELLED");
        assertThat(page.cancel.isEnabled()).isFalse();

        assertThat(page.delete.isEnabled()).isTrue();
        _click(page.delete);
        ConfirmDialog deleteDialog = _find(ConfirmDialog.class).stream()
                .filter(d -> ConfirmDialogKt._getHeader(d).startsWith("Delete ")).findFirst().orElseThrow();
        assertThat(ConfirmDialogKt._getText(deleteDialog)).contains("4 trials", "removed for good");
        ConfirmDialogKt._fireConfirm(deleteDialog);
        assertThat(experiments.findByName(finished.experiment().name())).isEmpty();
        assertThat(checkpoints.best(finished.bestTrialId())).isEmpty();
        _get(ExperimentsView.class);   // back on the list
    }

    @Test
    void theTrialGridFiltersByStateAndSortsInTheDatabase() {
        UI.getCurrent().navigate(ExperimentView.class,
                new RouteParameters("id", Long.toString(finished.experiment().id())));
        ExperimentView page = _get(ExperimentView.class);
        page.trialState.setValue(dev.templatelab.storage.trials.TrialState.PRUNED);
        assertThat(GridKt._size(page.trialGrid)).isZero();
        page.trialState.setValue(dev.templatelab.storage.trials.TrialState.COMPLETE);
        assertThat(GridKt._size(page.trialGrid)).isEqualTo(4);

        page.trialGrid.sort(java.util.List.of(new com.vaadin.flow.component.grid.GridSortOrder<>(
                page.trialGrid.getColumnByKey("objective"), com.vaadin.flow.data.provider.SortDirection.DESCENDING)));
        assertThat(GridKt._get(page.trialGrid, 0).objectiveValue()).isEqualTo(0.9);
        assertThat(GridKt._get(page.trialGrid, 3).objectiveValue()).isEqualTo(0.6);
        assertThat(GridKt._getFormatted(page.trialGrid, 0, "params")).contains("lrate=", "batch_size=16");
    }

    @Test
    void theTrialPageShowsParamsCurvesCheckpointsAndEvents() {
        UI.getCurrent().navigate(TrialView.class, new RouteParameters("id", Long.toString(finished.bestTrialId())));
        TrialView page = _get(TrialView.class);
        assertThat(page.title.getText()).isEqualTo("Trial #3 · " + TestData.INCEPTION_V2);
        assertThat(GridKt._size(page.params)).isEqualTo(2);
        // What was searched, as the New-experiment form writes it, not the stored JSON
        assertThat(GridKt._getFormatted(page.params, 0, "searchedOver")).isEqualTo("log:0.001..0.1");
        assertThat(GridKt._getFormatted(page.params, 1, "searchedOver")).isEqualTo("16 (fixed)");
        assertThat(GridKt._size(page.checkpointGrid)).isEqualTo(1);
        assertThat(GridKt._get(page.checkpointGrid, 0).sha256())
                .isEqualTo(checkpoints.best(finished.bestTrialId()).orElseThrow().sha256());
        assertThat(page.accuracy.getOptionJson()).contains("0.9");
        assertThat(page.error.isVisible()).isFalse();
    }

    /** The SHA-256 column takes the spare width, so its 64 digits show in full instead of "db831af5726494e8cce7b…". */
    @Test
    void theTrialPageGivesTheCheckpointHashTheSpareWidth() {
        UI.getCurrent().navigate(TrialView.class, new RouteParameters("id", Long.toString(finished.bestTrialId())));
        TrialView page = _get(TrialView.class);
        assertThat(page.checkpointGrid.getColumns()).allSatisfy(c -> assertThat(c.getFlexGrow())
                .isEqualTo("sha256".equals(c.getKey()) ? 1 : 0));
        assertThat(page.checkpointGrid.getColumnByKey("sha256").isAutoWidth()).isTrue();
    }

    /**
     * A cancelled experiment's page counts its stopped trials as cancelled, not failed, and with no trial complete offers
     * the best cancelled trial's checkpoint, saying so; that trial's page says it was stopped by the cancel, no error.
     */
    @Test
    void aCancelledExperimentShowsCancelledTrialsAndOffersTheBestCancelledCheckpoint() {
        long dataset = finished.experiment().datasetId();
        TestData.Cancelled c = TestData.cancelledExperiment(experiments, trials, checkpoints, dataset, true);
        UI.getCurrent().navigate(ExperimentView.class, new RouteParameters("id", Long.toString(c.experiment().id())));
        ExperimentView page = _get(ExperimentView.class);

        assertThat(page.counts.getText()).startsWith("2 of 2 trials finished: 0 complete, 0 pruned, 0 failed, "
                + "2 cancelled, 0 running, 0 waiting");
        assertThat(GridKt._get(page.templateGrid, 0)).satisfies(row -> {
            assertThat(row.failed()).isZero();
            assertThat(row.cancelled()).isEqualTo(2);
        });
        assertThat(page.bestText.getText()).isEqualTo("No trial completed; best cancelled trial #0 ("
                + TestData.INCEPTION_V2 + "): 50.0 % val accuracy at epoch 1, whose checkpoint is offered");
        assertThat(page.download.isVisible()).isTrue();
        assertThat(page.bestSha.getText()).isEqualTo(checkpoints.best(c.runningTrialId()).orElseThrow().sha256());

        UI.getCurrent().navigate(TrialView.class, new RouteParameters("id", Long.toString(c.runningTrialId())));
        TrialView trial = _get(TrialView.class);
        assertThat(trial.summary.getText()).startsWith("CANCELLED · objective 50.0 % at epoch 1")
                .endsWith("stopped when the experiment was cancelled");
        assertThat(trial.error.isVisible()).isFalse();

        long bare = TestData.cancelledExperiment(experiments, trials, checkpoints, dataset, false).experiment().id();
        UI.getCurrent().navigate(ExperimentView.class, new RouteParameters("id", Long.toString(bare)));
        ExperimentView none = _get(ExperimentView.class);
        assertThat(none.bestText.getText())
                .isEqualTo("No trial completed, and no cancelled trial finished an epoch with a checkpoint");
        assertThat(none.download.isVisible()).isFalse();
        assertThat(none.bestShaLabel.isVisible()).as("no checkpoint: no 'SHA-256: -'").isFalse();
        assertThat(none.bestSha.isVisible()).isFalse();

        // The list shows the same best, saying it is a cancelled trial's; none where no trial stored a checkpoint
        UI.getCurrent().navigate(ExperimentsView.class);
        ExperimentsView list = _get(ExperimentsView.class);
        list.stateFilter.setValue(dev.templatelab.storage.experiments.ExperimentState.CANCELLED);
        int withCheckpoint = rowOf(list, c.experiment().id());
        assertThat(GridKt._getFormatted(list.grid, withCheckpoint, "best")).isEqualTo("50.0 % (cancelled trial)");
        assertThat(GridKt._getFormatted(list.grid, withCheckpoint, "bestTemplate")).isEqualTo(TestData.INCEPTION_V2);
        int without = rowOf(list, bare);
        assertThat(GridKt._getFormatted(list.grid, without, "best")).isEqualTo("-");
        assertThat(GridKt._getFormatted(list.grid, without, "bestTemplate")).isEqualTo("-");
    }

    /** A pruned trial is finished: its page says the pruner stopped it, not that it "has not completed". */
    @Test
    void aPrunedTrialSaysThePrunerStoppedIt() {
        var experiment = experiments.create(new dev.templatelab.storage.experiments.NewExperiment(TestData.unique("pruned"),
                finished.experiment().datasetId(), java.util.List.of(TestData.INCEPTION_V2), "{}", "random", "median",
                dev.templatelab.storage.experiments.Budget.of(1, 3), dev.templatelab.storage.metrics.Metric.VAL_ACCURACY,
                dev.templatelab.storage.metrics.Direction.MAXIMIZE, 1, "admin"),
                java.util.List.of(new dev.templatelab.storage.trials.NewTrial(TestData.INCEPTION_V2, java.util.List.of())));
        var claimed = trials.claimNext(experiment.id(), "test-worker").orElseThrow();
        trials.reportEpoch(claimed.trial().id(),
                new dev.templatelab.storage.metrics.EpochMetrics(0, 1.0, 0.9, 0.3, 0.3, 0.01, 100.0));
        trials.prune(claimed.lease(), new dev.templatelab.storage.trials.TrialResult(0.3, null, 1.0, null));

        UI.getCurrent().navigate(TrialView.class, new RouteParameters("id", Long.toString(claimed.trial().id())));
        TrialView page = _get(TrialView.class);
        assertThat(page.summary.getText()).startsWith("PRUNED");
        assertThat(_get(page.perClass, com.vaadin.flow.component.html.Span.class).getText())
                .isEqualTo("No evaluation recorded (the pruner stopped the trial before it completed).");
    }

    /** The settings line counts in words: "1 trial of at most 1 epoch", "4 trials of at most 2 epochs". */
    @Test
    void theSettingsLineSaysOneTrialAndOneEpochInTheSingular() {
        ExperimentInfo one = experiments.create(new NewExperiment(TestData.unique("one"),
                finished.experiment().datasetId(), List.of(TestData.INCEPTION_V2), "{}", "random", "none",
                Budget.of(1, 1), Metric.VAL_ACCURACY, Direction.MAXIMIZE, 1, "admin"),
                List.of(new NewTrial(TestData.INCEPTION_V2, List.of())));
        UI.getCurrent().navigate(ExperimentView.class, new RouteParameters("id", Long.toString(one.id())));
        assertThat(_get(ExperimentView.class).settings.getText()).contains(" · 1 trial of at most 1 epoch · ");
        assertThat(_get(ExperimentView.class).counts.getText()).endsWith(" · 0 epochs trained");

        UI.getCurrent().navigate(ExperimentView.class, new RouteParameters("id",
                Long.toString(finished.experiment().id())));
        assertThat(_get(ExperimentView.class).settings.getText()).contains(" · 4 trials of at most 2 epochs · ");
    }

    private static int rowOf(ExperimentsView list, long experimentId) {
        return IntStream.range(0, GridKt._size(list.grid))
                .filter(i -> GridKt._get(list.grid, i).experiment().id() == experimentId).findFirst().orElseThrow();
    }
}
