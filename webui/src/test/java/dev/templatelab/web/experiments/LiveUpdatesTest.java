package dev.templatelab.web.experiments;

import com.github.mvysny.kaributesting.v10.MockVaadin;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.router.RouteParameters;
import dev.templatelab.storage.datasets.DatasetService;
import dev.templatelab.storage.experiments.Budget;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.NewExperiment;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.trials.NewTrial;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.web.TestData;
import dev.templatelab.web.UiTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.util.List;

import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An open experiment page shows a newly recorded epoch within 2 s, through the scheduled poll and UI.access (which
 * polls every 250 ms in these tests, every second by default, so a slow machine does not eat the whole margin).
 */
class LiveUpdatesTest extends UiTest {

    @Autowired
    DatasetService datasets;
    @Autowired
    ExperimentService experiments;
    @Autowired
    TrialService trials;
    @Autowired
    LiveUpdates live;

    @Test
    void anEpochReachesTheOpenPageWithinTwoSeconds() throws Exception {
        ExperimentInfo experiment = oneTrialExperiment("live");
        var claimed = trials.claimNext(experiment.id(), "live-worker").orElseThrow();

        int watchedBefore = live.watched();   // pages of other tests in this context may still be registered
        UI.getCurrent().navigate(ExperimentView.class, new RouteParameters("id", Long.toString(experiment.id())));
        ExperimentView page = _get(ExperimentView.class);
        assertThat(page.counts.getText()).contains("1 running", "0 epochs trained");
        assertThat(live.watched()).isEqualTo(watchedBefore + 1);

        trials.reportEpoch(claimed.trial().id(), new EpochMetrics(0, 1.0, 0.9, 0.55, 0.5, 0.01, 50.0));
        trials.flushMetrics();
        long recorded = System.nanoTime();
        while (!page.counts.getText().contains("1 epoch trained") && System.nanoTime() - recorded < 5_000_000_000L) {
            MockVaadin.clientRoundtrip();   // runs what the scheduler queued with UI.access
            Thread.sleep(50);
        }
        long millis = (System.nanoTime() - recorded) / 1_000_000;
        assertThat(page.counts.getText()).contains("1 epoch trained");
        assertThat(millis).as("ms from the epoch's write to the page showing it").isLessThan(2000);
        assertThat(page.curves.getOptionJson()).contains("0.55");

        UI.getCurrent().navigate(ExperimentsView.class);
        assertThat(live.watched()).as("leaving the page stops its updates").isEqualTo(watchedBefore);
    }

    @Test
    void aChangeSeenJustBeforeTheExperimentWasDeletedTakesThePageBackToTheList() throws Exception {
        ExperimentInfo experiment = oneTrialExperiment("live-deleted");
        int watchedBefore = live.watched();
        UI.getCurrent().navigate(ExperimentView.class, new RouteParameters("id", Long.toString(experiment.id())));
        _get(ExperimentView.class);

        // The poll sees the cancel and queues a refresh; the experiment is deleted (another page, the API) before
        // the UI runs it.
        experiments.cancel(experiment.id());
        live.poll();
        experiments.delete(experiment.id());
        MockVaadin.clientRoundtrip();

        _get(ExperimentsView.class);
        assertThat(live.watched()).isEqualTo(watchedBefore);
    }

    /** A queued experiment with one waiting trial, on a dataset of its own (both named after {@code prefix}). */
    private ExperimentInfo oneTrialExperiment(String prefix) throws java.io.IOException {
        long dataset = TestData.dataset(datasets, datasetsDir().resolve(prefix + "-records")).id();
        return experiments.create(new NewExperiment(TestData.unique(prefix), dataset, List.of(TestData.INCEPTION_V2),
                "{}", "random", "none", Budget.of(1, 3), Metric.VAL_ACCURACY, Direction.MAXIMIZE, 1, null),
                List.of(new NewTrial(TestData.INCEPTION_V2, List.of())));
    }
}
