package dev.templatelab.training.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Each checkpoint metric picks its own best epoch; the fit loop and early stopping follow it (the checkpoint kept
 * as best: TrialExecutionTest's run tuned on loss).
 */
class BestEpochTest {

    /** (epoch, train loss, validation loss, accuracy, macro-F1, mAP): each metric peaks at a different epoch. */
    private static final List<EpochMetrics> RUN = List.of(
            epoch(0, 1.0, 0.90, 0.50, 0.40, 0.60),
            epoch(1, 0.8, 0.70, 0.80, 0.50, 0.55),   // best accuracy
            epoch(2, 0.6, 0.50, 0.70, 0.70, 0.50),   // best loss and macro-F1
            epoch(3, 0.4, 0.60, 0.70, 0.60, 0.90));  // best mAP

    private static EpochMetrics epoch(int e, double trainLoss, double valLoss, double acc, double f1, double map) {
        return new EpochMetrics(e, trainLoss, valLoss, acc, f1, 0.1, 100, 1, map);
    }

    private static int bestOf(BestEpoch rule, List<EpochMetrics> run) {
        EpochMetrics best = null;
        for (EpochMetrics m : run) {
            if (best == null || rule.isBetter(m, best)) {
                best = m;
            }
        }
        return best.epoch();
    }

    @Test
    void eachMetricPicksItsOwnBestEpoch() {
        assertThat(bestOf(BestEpoch.ACCURACY, RUN)).isEqualTo(1);
        assertThat(bestOf(BestEpoch.LOSS, RUN)).isEqualTo(2);
        assertThat(bestOf(BestEpoch.MACRO_F1, RUN)).isEqualTo(2);
        assertThat(bestOf(BestEpoch.MAP, RUN)).isEqualTo(3);
    }

    @Test
    void tiesGoToTheOtherValidationMetricAndNoValidationToTheTrainingLoss() {
        assertThat(BestEpoch.ACCURACY.isBetter(epoch(2, 1, 0.4, 0.7, 0, 0), epoch(1, 1, 0.5, 0.7, 0, 0))).isTrue();
        assertThat(BestEpoch.MACRO_F1.isBetter(epoch(2, 1, 0.6, 0, 0.5, 0), epoch(1, 1, 0.5, 0, 0.5, 0))).isFalse();
        assertThat(BestEpoch.LOSS.isBetter(epoch(2, 1, 0.5, 0.8, 0, 0), epoch(1, 1, 0.5, 0.7, 0, 0))).isTrue();
        double nan = Double.NaN;
        assertThat(BestEpoch.LOSS.isBetter(epoch(1, 0.9, 0.5, 0.7, 0, 0), epoch(0, nan, nan, 0.6, 0, 0)))
                .as("a measured loss beats a NaN one, whatever the training loss").isTrue();
        assertThat(BestEpoch.LOSS.isBetter(epoch(1, 0.1, nan, 0.9, 0, 0), epoch(0, 0.9, 0.5, 0.6, 0, 0))).isFalse();
        for (BestEpoch rule : BestEpoch.values()) {
            assertThat(rule.isBetter(epoch(1, 0.3, nan, nan, nan, nan), epoch(0, 0.5, nan, nan, nan, nan))).as(rule.id()).isTrue();
            assertThat(rule.isBetter(epoch(1, 0.6, nan, nan, nan, nan), epoch(0, 0.5, nan, nan, nan, nan))).as(rule.id()).isFalse();
        }
    }

    @Test
    void namesAreTheHyperparameterValues() {
        for (BestEpoch rule : BestEpoch.values()) {
            assertThat(BestEpoch.of(rule.id())).isEqualTo(rule);
        }
        assertThatThrownBy(() -> BestEpoch.of("f1")).hasMessage("checkpoint_metric must be one of [accuracy, macro_f1, map, loss], got 'f1'");
    }

    /** The loop's best epoch, early stopping's patience and the kept checkpoint all follow the rule given. */
    @Test
    void fitLoopAndEarlyStoppingFollowTheRule() {
        TinyProblem problem = new TinyProblem(16, 2);
        AtomicInteger validated = new AtomicInteger();
        Validator scripted = net -> {
            EpochMetrics m = RUN.get(validated.getAndIncrement());
            return new Validator.Scores(m.validationLoss(), m.validationAccuracy(), m.validationMacroF1(), m.validationMap());
        };
        var net = TinyProblem.network().newNetwork(1);
        TrainingOutcome byLoss = new FitLoop(List.of(new EarlyStopping(1, BestEpoch.LOSS)), BestEpoch.LOSS).run(net,
                e -> problem.epoch(1, e, 8), problem.batchesPerEpoch(8), scripted, 0, 4, 1, new CancellationToken());
        assertThat(byLoss.best()).get().extracting(EpochMetrics::epoch).isEqualTo(2);
        assertThat(byLoss.status()).as("epoch 3 is the first without a better loss: patience 1 stops there")
                .isEqualTo(TrainingOutcome.Status.COMPLETED);
        assertThat(byLoss.history()).hasSize(4);

        validated.set(0);
        TrainingOutcome byAccuracy = new FitLoop(List.of(new EarlyStopping(1)), BestEpoch.ACCURACY).run(
                TinyProblem.network().newNetwork(1), e -> problem.epoch(1, e, 8), problem.batchesPerEpoch(8), scripted,
                0, 4, 1, new CancellationToken());
        assertThat(byAccuracy.best()).get().extracting(EpochMetrics::epoch).isEqualTo(1);
        assertThat(byAccuracy.status()).as("epoch 2 does not beat epoch 1's accuracy").isEqualTo(TrainingOutcome.Status.STOPPED_EARLY);
        assertThat(byAccuracy.history()).hasSize(3);
    }
}
