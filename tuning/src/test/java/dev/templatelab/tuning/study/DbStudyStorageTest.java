package dev.templatelab.tuning.study;

import dev.templatelab.storage.experiments.Budget;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.NewExperiment;
import dev.templatelab.storage.metrics.Direction;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.tuning.execution.DbStudyStorage;
import dev.templatelab.tuning.testapp.TuningDbTest;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.springframework.beans.factory.annotation.Autowired;

/** The study storage contract on PostgreSQL: each test gets a fresh experiment. */
class DbStudyStorageTest extends TuningDbTest {

    @Autowired MetricService metrics;

    StudyStorage newDbStorage() {
        ExperimentInfo e = experiments.create(new NewExperiment(unique("contract"), newDataset(null).id(),
                List.of("Clarifai_ResNext", "Clarifai_InceptionV2"), "{}", "tpe", "none", Budget.of(10, 2),
                Metric.VAL_ACCURACY, Direction.MAXIMIZE, 2, null));
        return new DbStudyStorage(e.id(), "contract-worker", Metric.VAL_ACCURACY, trials, metrics);
    }

    @Nested
    class Contract extends StudyStorageContract {
        @Override
        protected StudyStorage newStorage() {
            return newDbStorage();
        }
    }
}
