package dev.templatelab.tuning.study;

import static dev.templatelab.tuning.testing.TestSpaces.RESNEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.templatelab.training.fit.Decision;
import dev.templatelab.training.fit.EpochMetrics;
import dev.templatelab.training.fit.IntermediateReporter;
import dev.templatelab.tuning.pruner.AshaPruner;
import dev.templatelab.tuning.pruner.MedianPruner;
import dev.templatelab.tuning.sampler.GridSampler;
import dev.templatelab.tuning.sampler.RandomSampler;
import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.IntDistribution;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.space.SpaceOverride;
import dev.templatelab.tuning.testing.HoldingStudyStorage;
import dev.templatelab.tuning.testing.TestSpaces;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class StudyTest {

    private static final SearchSpace DEFAULT = SearchSpace.defaults(RESNEXT);

    private static Study.Builder study() {
        return Study.builder("study", DEFAULT).optSampler(new RandomSampler(0));
    }

    @Test
    void askHandsOutNumberedTrialsWithParametersReadyForTraining() {
        Study study = Study.builder("study", DEFAULT).build(); // TPE by default
        for (int i = 0; i < 3; i++) {
            Trial t = study.ask();
            assertThat(t.number()).isEqualTo(i);
            assertThat(t.template()).isEqualTo(RESNEXT);
            assertThat(t.params()).containsOnlyKeys(DEFAULT.template(RESNEXT).parameters().keySet());
            assertThat(t.params().get("batch_size")).isInstanceOf(Integer.class);
            assertThat(t.hyperparameters().getDouble("per_item_lrate")).isEqualTo(t.params().get("per_item_lrate"));
            assertThat(study.trial(i).state()).isEqualTo(TrialState.RUNNING);
            assertThat(study.trial(i).distributions()).isEqualTo(DEFAULT.template(RESNEXT).parameters());
        }
    }

    @Test
    void prunedTrialsKeepTheirCurveAndTheirLastValue() {
        Study study = study().optPruner(new MedianPruner(2, 1, 1)).build();
        for (int i = 0; i < 2; i++) {
            Trial good = study.ask();
            assertThat(good.reportAndCheckPrune(0, 0.5)).isFalse();
            assertThat(good.reportAndCheckPrune(1, 0.7)).isFalse();
            study.tell(good, TrialState.COMPLETE, 0.7);
        }
        Trial bad = study.ask();
        assertThat(bad.reportAndCheckPrune(0, 0.1)).isFalse(); // warm-up
        assertThat(bad.reportAndCheckPrune(1, 0.2)).isTrue();
        study.tell(bad, TrialState.PRUNED, null);
        FrozenTrial pruned = study.trial(bad.number());
        assertThat(pruned.state()).isEqualTo(TrialState.PRUNED);
        assertThat(pruned.value()).isEqualTo(0.2);
        assertThat(pruned.intermediateValues()).containsEntry(0, 0.1).containsEntry(1, 0.2);
    }

    @Test
    void trainingsIntermediateReporterDrivesPruningThroughTheTrial() {
        Study study = study().optPruner(new MedianPruner(1, 0, 1)).build();
        Trial good = study.ask();
        good.report(0, 0.9);
        study.tell(good, TrialState.COMPLETE, 0.9);
        Trial bad = study.ask();
        IntermediateReporter reporter = new IntermediateReporter(study.objective().perEpoch().orElseThrow(),
                bad::reportAndCheckPrune);
        Decision d = reporter.onEpoch(null, new EpochMetrics(0, 1.0, 1.0, 0.2, 0.1, 0.01, 100, 1));
        assertThat(d).isEqualTo(Decision.PRUNE);
        assertThat(bad.intermediateValues()).containsEntry(0, 0.2); // val_accuracy, the default objective
    }

    @Test
    void verdictAnswersPruneAndHoldFromOneSnapshotAndOnlyHoldsWhenAllowed() {
        Study asha = study().optPruner(new AshaPruner(1, 3)).build();
        Trial first = asha.ask();
        first.report(0, 0.9);
        assertThat(first.verdict(false)).as("last epoch: runs on").isEqualTo(Trial.Verdict.CONTINUE);
        assertThat(first.verdict(true)).as("alone at the first rung: top floor(1/3) is nobody").isEqualTo(Trial.Verdict.HOLD);
        first.report(1, 0.9);
        assertThat(first.verdict(true)).as("between rungs").isEqualTo(Trial.Verdict.CONTINUE);

        Study median = study().optPruner(new MedianPruner(1, 0, 1)).build();
        Trial good = median.ask();
        good.report(0, 0.9);
        median.tell(good, TrialState.COMPLETE, 0.9);
        Trial bad = median.ask();
        bad.report(0, 0.1);
        assertThat(bad.verdict(true)).as("a pruner that cannot hold still prunes").isEqualTo(Trial.Verdict.PRUNE);
        median.tell(bad, TrialState.PRUNED, null);
        assertThatThrownBy(() -> bad.verdict(true)).hasMessageContaining("already PRUNED");
    }

    @Test
    void tellRules() {
        Study study = study().build();
        Trial t = study.ask();
        assertThatThrownBy(() -> study.tell(t, TrialState.COMPLETE, null)).hasMessageContaining("needs its objective value");
        assertThatThrownBy(() -> study.tell(t, TrialState.RUNNING, 0.5)).hasMessageContaining("not RUNNING");
        t.report(0, 0.4);
        t.report(0, 0.8); // a second report of an epoch is ignored
        assertThat(t.intermediateValues()).containsEntry(0, 0.4);
        assertThatThrownBy(() -> t.report(-1, 0.4)).hasMessageContaining("epoch must be >= 0");
        study.tell(t, TrialState.COMPLETE, 0.5);
        assertThatThrownBy(() -> study.tell(t, TrialState.COMPLETE, 0.6)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already COMPLETE");
        assertThatThrownBy(() -> t.report(1, 0.6)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(t::shouldPrune).isInstanceOf(IllegalStateException.class);

        Trial diverged = study.ask();
        study.tell(diverged, TrialState.COMPLETE, Double.NaN);
        assertThat(study.trial(diverged.number()).state()).isEqualTo(TrialState.FAIL);
        assertThat(study.trial(diverged.number()).value()).isNull();

        Study other = study().build();
        Trial foreign = other.ask();
        assertThatThrownBy(() -> study.tell(foreign, TrialState.COMPLETE, 0.1)).hasMessageContaining("another study");
    }

    @Test
    void bestRespectsTheDirectionAndOnlyCountsCompleteTrials() {
        Study max = study().build();
        tell(max, TrialState.COMPLETE, 0.6);
        tell(max, TrialState.COMPLETE, 0.8);
        tell(max, TrialState.PRUNED, 0.95);
        tell(max, TrialState.COMPLETE, 0.7);
        assertThat(max.best()).map(FrozenTrial::value).contains(0.8);

        Study min = study().optObjective(Objective.of(Objective.Metric.LOSS)).build();
        tell(min, TrialState.COMPLETE, 0.6);
        tell(min, TrialState.COMPLETE, 0.2);
        tell(min, TrialState.FAIL, null);
        assertThat(min.best()).map(FrozenTrial::number).contains(1);
        assertThat(study().build().best()).isEmpty();
    }

    @Test
    void maxTrialsCountsAskedTrials() {
        Study study = study().optBudget(Budget.unlimited().withMaxTrials(3)).build();
        study.ask();
        study.ask();
        assertThat(study.isFinished()).isFalse();
        study.ask(); // still running, but the budget is spent
        assertThat(study.isFinished()).isTrue();
        assertThatThrownBy(study::ask).isInstanceOf(IllegalStateException.class)
                .hasMessage("study 'study' is finished: reached the maximum of 3 trials");
    }

    @Test
    void wallClockBudget() {
        MutableClock clock = new MutableClock();
        Study study = study().optClock(clock).optBudget(Budget.unlimited().withMaxWallClock(Duration.ofHours(1))).build();
        study.ask();
        clock.advance(Duration.ofMinutes(59));
        assertThat(study.isFinished()).isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(study.isFinished()).isTrue();
        assertThat(study.stopReason()).hasValueSatisfying(r -> assertThat(r).contains("wall-clock budget is PT1H"));
        assertThat(study.trial(0).started()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void totalEpochsBudgetSumsReportedEpochsOfAllTrials() {
        Study study = study().optBudget(Budget.unlimited().withMaxTotalEpochs(5)).build();
        Trial a = study.ask();
        for (int e = 0; e < 3; e++) {
            a.report(e, 0.5);
        }
        study.tell(a, TrialState.PRUNED, null);
        Trial b = study.ask();
        b.report(0, 0.5);
        assertThat(study.isFinished()).isFalse();
        b.report(1, 0.6);
        assertThat(study.totalEpochs()).isEqualTo(5);
        assertThat(study.isFinished()).isTrue();
        assertThat(study.stopReason()).contains("trained 5 epochs, the budget is 5");
    }

    /**
     * Three 9-epoch trials under ASHA (rungs after 1, 3 and 9 epochs): #1 wins the first rung, then waits alone at
     * the second, where no rung will promote it. Once no new trial may start, the epoch budget's last six epochs
     * run it on; while a new trial may start, that comes first.
     */
    @Test
    void anEpochBudgetRunsOnTheBestHeldTrialOnceNoNewTrialMayStart() {
        assertThat(heldAtTheSecondRung(11L, 3).promotion()).as("5 trained + 6 = 11").contains(new Study.Promotion(1, Study.Why.FILLS_THE_EPOCH_BUDGET));
        Study noRoomForANewTrial = heldAtTheSecondRung(11L, 4);
        assertThat(noRoomForANewTrial.stopReason()).as("a fourth trial would need 9 of the 6 left")
                .contains("the epoch budget of 11 has 6 left once the running trials end, fewer than a new trial may train (9)");
        assertThat(noRoomForANewTrial.promotion()).contains(new Study.Promotion(1, Study.Why.FILLS_THE_EPOCH_BUDGET));
        Study roomForANewTrial = heldAtTheSecondRung(14L, 4);
        assertThat(roomForANewTrial.stopReason()).isEmpty();
        assertThat(roomForANewTrial.promotion()).as("5 + 9 = 14: the fourth trial goes first").isEmpty();
    }

    /**
     * Without an epoch budget ASHA still hands over one trial trained to the end: once no new trial may start and no
     * trial completed or is running, the best held trial runs on (#1, alone at the second rung, would otherwise be
     * pruned with the others when the search ends). Not while a new trial may start, a trial runs, or one completed.
     */
    @Test
    void withoutAnEpochBudgetTheBestHeldTrialRunsOnIfNoTrialCompletedOrRuns() {
        assertThat(heldAtTheSecondRung(null, 3).promotion()).contains(new Study.Promotion(1, Study.Why.FINISHES_ONE_TRIAL));
        assertThat(heldAtTheSecondRung(null, 4).promotion()).as("a fourth trial may start").isEmpty();

        Study running = heldAtTheSecondRung(null, 4);
        running.ask().report(0, 0.4);
        assertThat(running.stopReason()).isPresent();
        assertThat(running.promotion()).as("the fourth trial runs and may complete").isEmpty();

        Study completed = heldAtTheSecondRung(null, 4);
        Trial fourth = completed.ask();
        for (int e = 0; e < 9; e++) {
            fourth.report(e, 0.4);
        }
        completed.tell(fourth, TrialState.COMPLETE, 0.4);
        assertThat(completed.promotion()).as("a trial completed: ASHA's rule alone").isEmpty();
    }

    /** Under ASHA a trial starts, or is promoted, only if the budget can finish it beside what the others may train. */
    @Test
    void aTrialStartsOrIsPromotedOnlyIfTheEpochBudgetCanFinishIt() {
        Study tight = threeAtTheFirstRung(19L, 4, new HoldingStudyStorage());
        tight.ask();   // the fourth trial runs: 3 trained + its 9 = 12
        assertThat(tight.promotion()).as("#1's 8 epochs to go would make 20").isEmpty();
        Study roomy = threeAtTheFirstRung(20L, 4, new HoldingStudyStorage());
        roomy.ask();
        assertThat(roomy.promotion()).as("ASHA's own pick, which fits").contains(new Study.Promotion(1, Study.Why.AMONG_THE_BEST));

        Study full = threeAtTheFirstRung(11L, 4, new HoldingStudyStorage());
        assertThat(full.stopReason()).hasValueSatisfying(r -> assertThat(r).contains("fewer than a new trial may train (9)"));
        assertThatThrownBy(full::ask).hasMessageContaining("fewer than a new trial may train");

        Study running = heldAtTheSecondRung(20L, 4);
        running.ask();   // 5 trained + 9 to come + #1's 6 = 20
        assertThat(running.promotion()).contains(new Study.Promotion(1, Study.Why.FILLS_THE_EPOCH_BUDGET));
        Study crowded = heldAtTheSecondRung(19L, 4);
        crowded.ask();
        assertThat(crowded.promotion()).isEmpty();
    }

    /** Three 9-epoch trials held at the first rung with 0.5, 0.7 and 0.6: ASHA's top third there is #1. */
    private static Study threeAtTheFirstRung(Long maxTotalEpochs, int maxTrials, HoldingStudyStorage storage) {
        return threeAtTheFirstRung(maxTotalEpochs, maxTrials, storage, Optional::empty);
    }

    private static Study threeAtTheFirstRung(Long maxTotalEpochs, int maxTrials, HoldingStudyStorage storage,
                                             Supplier<Optional<String>> outsideBudget) {
        Budget budget = Budget.unlimited().withMaxTrials(maxTrials);
        Study study = Study.builder("asha", DEFAULT.withOverrides(List.of(new SpaceOverride.Fixed(null, "num_epochs", 9))))
                .optSampler(new RandomSampler(0))
                .optPruner(new AshaPruner(1, 3))
                .optBudget(maxTotalEpochs == null ? budget : budget.withMaxTotalEpochs(maxTotalEpochs))
                .optOutsideBudget(outsideBudget)
                .optStorage(storage)
                .build();
        for (double firstEpoch : new double[] {0.5, 0.7, 0.6}) {
            Trial t = study.ask();
            t.report(0, firstEpoch);
            assertThat(t.verdict(true)).isEqualTo(Trial.Verdict.HOLD);
            storage.move(t.number(), TrialState.HELD);
        }
        return study;
    }

    /** {@link #threeAtTheFirstRung} after ASHA promoted #1, which is now held alone at the second rung. */
    private static Study heldAtTheSecondRung(Long maxTotalEpochs, int maxTrials) {
        HoldingStudyStorage storage = new HoldingStudyStorage();
        Study study = reachingTheSecondRung(maxTotalEpochs, maxTrials, storage);
        storage.move(1, TrialState.HELD);
        return study;
    }

    /** {@link #threeAtTheFirstRung} after ASHA promoted #1, which has just reported the second rung's epoch, alone. */
    private static Study reachingTheSecondRung(Long maxTotalEpochs, int maxTrials, HoldingStudyStorage storage) {
        return reachingTheSecondRung(maxTotalEpochs, maxTrials, storage, Optional::empty);
    }

    private static Study reachingTheSecondRung(Long maxTotalEpochs, int maxTrials, HoldingStudyStorage storage,
                                               Supplier<Optional<String>> outsideBudget) {
        Study study = threeAtTheFirstRung(maxTotalEpochs, maxTrials, storage, outsideBudget);
        assertThat(study.promotion()).as("ASHA's own pick").contains(new Study.Promotion(1, Study.Why.AMONG_THE_BEST));
        storage.move(1, TrialState.RUNNING);
        Trial best = study.reopen(1);
        best.report(1, 0.75);
        best.report(2, 0.8);
        return study;
    }

    /**
     * Alone at the second rung, #1 is not among the best there, so ASHA would hold it. Where the study would then
     * promote it at once (no new trial may start, and it is the held trial to finish or to spend the budget on), it
     * runs on instead of stopping only to be resumed from its checkpoint; where a new trial may start, it is held.
     */
    @Test
    void aTrialThatWouldBePromotedAtOnceIsNotHeld() {
        assertThat(verdictAtTheSecondRung(null, 3)).as("finishes one trial").isEqualTo(Trial.Verdict.CONTINUE);
        assertThat(verdictAtTheSecondRung(11L, 3)).as("fills the epoch budget").isEqualTo(Trial.Verdict.CONTINUE);
        assertThat(verdictAtTheSecondRung(11L, 4)).as("no room for a fourth trial").isEqualTo(Trial.Verdict.CONTINUE);
        assertThat(verdictAtTheSecondRung(null, 4)).as("a fourth trial may start").isEqualTo(Trial.Verdict.HOLD);
        assertThat(verdictAtTheSecondRung(14L, 4)).as("the fourth trial fits the budget").isEqualTo(Trial.Verdict.HOLD);

        // A budget kept outside the study (an experiment's wall clock) that runs out stops promotions, so it is held.
        AtomicReference<Optional<String>> wallClock = new AtomicReference<>(Optional.empty());
        Study timedOut = reachingTheSecondRung(null, 3, new HoldingStudyStorage(), wallClock::get);
        wallClock.set(Optional.of("ran 601 s, the wall-clock budget is 600 s"));
        assertThat(timedOut.reopen(1).verdict(true)).isEqualTo(Trial.Verdict.HOLD);
        assertThat(timedOut.promotion()).isEmpty();
    }

    private static Trial.Verdict verdictAtTheSecondRung(Long maxTotalEpochs, int maxTrials) {
        Study study = reachingTheSecondRung(maxTotalEpochs, maxTrials, new HoldingStudyStorage());
        return study.reopen(1).verdict(true);
    }

    @Test
    void targetReachedStopsTheStudyInEitherDirection() {
        Study max = study().optBudget(Budget.unlimited().withTarget(0.9)).build();
        tell(max, TrialState.COMPLETE, 0.85);
        tell(max, TrialState.PRUNED, 0.95); // a pruned trial's value is not a result
        assertThat(max.isFinished()).isFalse();
        tell(max, TrialState.COMPLETE, 0.9);
        assertThat(max.stopReason()).contains("trial 2 reached val_accuracy = 0.9 (target 0.9)");

        Study min = study().optObjective(Objective.of(Objective.Metric.LOSS)).optBudget(Budget.unlimited().withTarget(0.1)).build();
        tell(min, TrialState.COMPLETE, 0.3);
        assertThat(min.isFinished()).isFalse();
        tell(min, TrialState.COMPLETE, 0.05);
        assertThat(min.isFinished()).isTrue();
    }

    @Test
    void objectivesHaveExplicitSensibleDirections() {
        assertThat(Objective.defaultObjective()).isEqualTo(new Objective(Objective.Metric.VAL_ACCURACY, Direction.MAXIMIZE));
        assertThat(Objective.of(Objective.Metric.parse("macro_f1")).direction()).isEqualTo(Direction.MAXIMIZE);
        assertThat(Objective.of(Objective.Metric.parse("loss")).direction()).isEqualTo(Direction.MINIMIZE);
        assertThat(Objective.of(Objective.Metric.MAP).perEpoch()).get()
                .satisfies(f -> assertThat(f.applyAsDouble(new EpochMetrics(0, 1, 1, 0.5, 0.4, 0.1, 10, 1, 0.75))).isEqualTo(0.75));
        assertThatThrownBy(() -> new Objective(Objective.Metric.LOSS, Direction.MAXIMIZE))
                .hasMessage("loss must be minimized; to maximize it would search for the worst model");
        assertThatThrownBy(() -> Objective.Metric.parse("top5")).hasMessageContaining("known: val_accuracy, macro_f1, map, loss");
    }

    @Test
    void budgetsAreValidated() {
        assertThatThrownBy(() -> Budget.unlimited().withMaxTrials(0)).hasMessageContaining("maxTrials must be at least 1");
        assertThatThrownBy(() -> Budget.unlimited().withMaxWallClock(Duration.ZERO)).hasMessageContaining("positive");
        assertThatThrownBy(() -> Study.builder(" ", DEFAULT).build()).hasMessageContaining("needs a name");
    }

    @Test
    void workerPoolSharesOneGridWithoutRepeatingAPoint() throws Exception {
        SearchSpace space = TestSpaces.of(RESNEXT, "batch_size", CategoricalDistribution.of(16, 32, 64, 128),
                "image_size", new IntDistribution(128, 256, false, 16), "num_epochs", IntDistribution.range(1, 2));
        Study study = Study.builder("pool", space).optSampler(new GridSampler()).build();
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            workers.add(pool.submit(() -> {
                while (true) {
                    Trial t;
                    try {
                        t = study.ask();
                    } catch (IllegalStateException finished) {
                        return null;
                    }
                    seen.add(t.params().toString());
                    t.report(0, 0.5);
                    t.shouldPrune();
                    study.tell(t, TrialState.COMPLETE, 0.5);
                }
            }));
        }
        for (Future<?> f : workers) {
            f.get();
        }
        pool.shutdown();
        assertThat(seen).hasSize(4 * 9 * 2);
        assertThat(new HashSet<>(seen)).hasSize(72);
        assertThat(study.trials()).allMatch(t -> t.state() == TrialState.COMPLETE);
    }

    private static void tell(Study study, TrialState state, Double value) {
        Trial t = study.ask();
        if (state == TrialState.PRUNED && value != null) {
            t.report(0, value);
        }
        study.tell(t, state, value);
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.EPOCH;

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
