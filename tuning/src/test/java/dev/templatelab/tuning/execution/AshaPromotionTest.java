package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.storage.events.EventInfo;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.tuning.testing.TinyDigits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

/**
 * ASHA with promotions on real trials against the database: trials pause (HELD) at the first rung with their
 * checkpoint, the best of the rung is promoted and resumes from that checkpoint, and the ones never promoted are
 * pruned when the search ends. Three trials of three epochs: rungs after 1 and 3 epochs (reduction factor 3).
 */
class AshaPromotionTest extends DigitsExperimentTest {

    @Test
    void heldTrialsArePromotedFromTheirCheckpointOrPrunedAtTheEnd() {
        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("asha"), newDataset(digits).id(),
                List.of("Clarifai_InceptionV2"), "grid", "asha", 3, 3, 1, "accuracy", threeRates(), null, 5L));
        TrialWorker w = worker("asha-worker");
        List<TrialRunner.Result> results = new ArrayList<>();
        for (int i = 0; i < 10 && experiments.get(e.id()).state() != ExperimentState.COMPLETE; i++) {
            w.workOnce().ifPresent(results::add);
        }
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
        List<TrialInfo> all = trials.page(e.id(), null, Pageable.unpaged(Sort.by("number"))).getContent();
        assertThat(all).hasSize(3);
        // Fewer than three trials at a rung leaves no top third: the first two are held after one epoch.
        assertThat(results.subList(0, 2)).containsExactly(TrialRunner.Result.HELD, TrialRunner.Result.HELD);
        double[] atRung = all.stream().mapToDouble(t -> metrics.curve(t.id()).get(0).metrics().valAccuracy()).toArray();
        int best = atRung[1] > atRung[0] ? 1 : 0;   // ties go to the lower number
        if (atRung[2] > atRung[best]) {
            // The third trial is the best of three: it runs on without pausing, nobody is promoted.
            assertThat(results).containsExactly(TrialRunner.Result.HELD, TrialRunner.Result.HELD, TrialRunner.Result.COMPLETE);
            best = 2;
        } else {
            assertThat(results).containsExactly(TrialRunner.Result.HELD, TrialRunner.Result.HELD, TrialRunner.Result.HELD,
                    TrialRunner.Result.COMPLETE);
            TrialInfo promoted = all.get(best);
            assertThat(promoted.attempts()).as("a promotion is not a retry").isEqualTo(1);
            assertThat(events.ofTrial(promoted.id(), 20)).extracting(EventInfo::message)
                    .anyMatch(m -> m.contains("promoted after 1 epoch(s)"))
                    .anyMatch(m -> m.contains("resumes after 1 epoch(s) from its checkpoint on worker asha-worker"));
        }
        for (TrialInfo t : all) {
            List<Integer> epochs = metrics.curve(t.id()).stream().map(r -> r.metrics().epoch()).toList();
            if (t.number() == best) {
                assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
                assertThat(epochs).containsExactly(0, 1, 2);
            } else {
                assertThat(t.state()).as("never promoted, so pruned when the search ended").isEqualTo(TrialState.PRUNED);
                assertThat(epochs).containsExactly(0);
                assertThat(t.objectiveValue()).isEqualTo(atRung[t.number()]);
            }
        }
        assertThat(events.recent(e.id(), 50)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("2 trial(s) still held at a rung were pruned"));
    }

    /**
     * The same search with a budget of 7 epochs: ASHA's own promotion leaves 5 trained and two trials held after one
     * epoch. Every trial has started, so the better of those two runs on to use the 2 epochs left; that spends the
     * budget, and the third is pruned.
     */
    @Test
    void anEpochBudgetIsSpentOnTheBestHeldTrialOnceEveryTrialHasStarted() {
        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("asha-budget"), newDataset(digits).id(),
                List.of("Clarifai_InceptionV2"), "grid", "asha", 3, 3, 1, "accuracy", threeRates(), null, 5L, 7, null,
                false, null));
        TrialWorker w = worker("budget-worker");
        for (int i = 0; i < 10 && experiments.get(e.id()).state() != ExperimentState.COMPLETE; i++) {
            w.workOnce();
        }
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
        List<TrialInfo> all = trials.page(e.id(), null, Pageable.unpaged(Sort.by("number"))).getContent();
        double[] atRung = all.stream().mapToDouble(t -> metrics.curve(t.id()).get(0).metrics().valAccuracy()).toArray();
        List<Integer> ranked = new ArrayList<>(List.of(0, 1, 2));
        ranked.sort((a, b) -> atRung[a] != atRung[b] ? Double.compare(atRung[b], atRung[a]) : Integer.compare(a, b));
        int filled = ranked.get(1);
        assertThat(all.stream().mapToInt(t -> metrics.curve(t.id()).size()).sum()).as("epochs trained").isEqualTo(7);
        assertThat(all.get(ranked.get(0)).state()).isEqualTo(TrialState.COMPLETE);
        assertThat(all.get(filled).state()).as("promoted to use the budget").isEqualTo(TrialState.COMPLETE);
        assertThat(metrics.curve(all.get(filled).id())).hasSize(3);
        assertThat(all.get(filled).attempts()).isEqualTo(1);
        assertThat(events.ofTrial(all.get(filled).id(), 20)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("promoted after 1 epoch(s): no new trial may start, and it is the best held "
                        + "trial the epoch budget can still finish"));
        assertThat(all.get(ranked.get(2)).state()).as("the budget is spent").isEqualTo(TrialState.PRUNED);
        assertThat(metrics.curve(all.get(ranked.get(2)).id())).hasSize(1);
    }

    /**
     * Two trials: a rung keeps its best third, so with two there both are held after one epoch. No new trial may
     * start and none completed, so the better one runs on to the end rather than both being pruned (which would leave
     * the search without a model).
     */
    @Test
    void aSearchTooSmallForItsRungsStillTrainsItsBestTrialToTheEnd() {
        Map<String, Object> space = threeRates();
        space.put("per_item_lrate", List.of(0.003, 0.002));
        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("asha-two"), newDataset(digits).id(),
                List.of("Clarifai_InceptionV2"), "grid", "asha", 2, 3, 1, "accuracy", space, null, 5L));
        TrialWorker w = worker("two-worker");
        List<TrialRunner.Result> results = new ArrayList<>();
        for (int i = 0; i < 10 && experiments.get(e.id()).state() != ExperimentState.COMPLETE; i++) {
            w.workOnce().ifPresent(results::add);
        }
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
        assertThat(results).containsExactly(TrialRunner.Result.HELD, TrialRunner.Result.HELD, TrialRunner.Result.COMPLETE);
        List<TrialInfo> all = trials.page(e.id(), null, Pageable.unpaged(Sort.by("number"))).getContent();
        double[] atRung = all.stream().mapToDouble(t -> metrics.curve(t.id()).get(0).metrics().valAccuracy()).toArray();
        int best = atRung[1] > atRung[0] ? 1 : 0;
        assertThat(all.get(best).state()).isEqualTo(TrialState.COMPLETE);
        assertThat(metrics.curve(all.get(best).id())).hasSize(3);
        assertThat(events.ofTrial(all.get(best).id(), 20)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("promoted after 1 epoch(s): no new trial may start and no trial has trained "
                        + "to the end, so the best held trial does"));
        assertThat(all.get(1 - best).state()).isEqualTo(TrialState.PRUNED);
        assertThat(metrics.curve(all.get(1 - best).id())).hasSize(1);
    }

    /**
     * A worker lost after storing a rung epoch's checkpoint but before holding the trial there did not carry out the
     * pruner's verdict. The trial taken up again is judged at that rung before it trains on: alone there, with more
     * trials to come, it is held, not trained past the rung. A verdict carried out is not asked again: a trial that
     * passed the rung and was lost in the next epoch trains on. (Here the held trial is made to look like a silent
     * running trial, with and without its verdict recorded on its checkpoint.)
     */
    @Test
    void aTrialTakenUpAgainAfterARungEpochIsJudgedThereUnlessItWasAlready() {
        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("asha-lost"), newDataset(digits).id(),
                List.of("Clarifai_InceptionV2"), "grid", "asha", 3, 3, 1, "accuracy", threeRates(), null, 5L));
        TrialWorker w = worker("lost-worker");
        assertThat(w.workOnce()).contains(TrialRunner.Result.HELD);
        TrialInfo first = trials.page(e.id(), null, Pageable.unpaged(Sort.by("number"))).getContent().get(0);
        assertThat(checkpoints.latest(first.id()).orElseThrow().judged()).as("a hold is recorded").isTrue();
        loseItsWorker(first, false);

        assertThat(w.workOnce()).as("judged at its rung, not trained past it").contains(TrialRunner.Result.HELD);
        assertThat(trials.get(first.id()).state()).isEqualTo(TrialState.HELD);
        assertThat(metrics.curve(first.id())).extracting(r -> r.metrics().epoch()).containsExactly(0);
        assertThat(events.ofTrial(first.id(), 20)).extracting(EventInfo::message)
                .filteredOn(m -> m.contains("held after 1 epoch(s)")).hasSize(2);

        loseItsWorker(first, true);
        assertThat(w.workOnce()).as("its verdict was carried out: not judged again").contains(TrialRunner.Result.COMPLETE);
        assertThat(metrics.curve(first.id())).extracting(r -> r.metrics().epoch()).containsExactly(0, 1, 2);
        experiments.cancel(e.id());
    }

    /** Makes a held trial look like one whose worker went silent, its verdict recorded or not, and requeues it. */
    private void loseItsWorker(TrialInfo trial, boolean judged) {
        jdbc.update("UPDATE checkpoints SET judged = ? WHERE trial_id = ?", judged, trial.id());
        jdbc.update("UPDATE trials SET state = 'RUNNING', heartbeat_at = now() - interval '1 minute' WHERE id = ?",
                trial.id());
        assertThat(worker("rescuer").takeOverStaleTrials()).isTrue();
        assertThat(trials.get(trial.id()).state()).isEqualTo(TrialState.WAITING);
    }

    /**
     * Reduction factor 2 over four epochs: rungs after 1, 2 and 4. Both trials are held after one epoch; the better
     * runs on to the end as no new trial may start, and is not held again, alone, at the second rung: holding it
     * there would only stop it to be promoted again at once.
     */
    @Test
    void aTrialPromotedToFinishIsNotHeldAgainAtTheNextRung() {
        Map<String, Object> space = threeRates();
        space.put("per_item_lrate", List.of(0.003, 0.002));
        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("asha-rf2"), newDataset(digits).id(),
                List.of("Clarifai_InceptionV2"), "grid", "asha:reduction_factor=2", 2, 4, 1, "accuracy", space, null, 5L));
        TrialWorker w = worker("rf2-worker");
        List<TrialRunner.Result> results = new ArrayList<>();
        for (int i = 0; i < 10 && experiments.get(e.id()).state() != ExperimentState.COMPLETE; i++) {
            w.workOnce().ifPresent(results::add);
        }
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
        assertThat(results).containsExactly(TrialRunner.Result.HELD, TrialRunner.Result.HELD, TrialRunner.Result.COMPLETE);
        TrialInfo finished = trials.page(e.id(), null, Pageable.unpaged(Sort.by("number"))).getContent().stream()
                .filter(t -> t.state() == TrialState.COMPLETE).findFirst().orElseThrow();
        assertThat(metrics.curve(finished.id())).hasSize(4);
        assertThat(events.ofTrial(finished.id(), 20)).extracting(EventInfo::message)
                .filteredOn(m -> m.contains("promoted after")).singleElement().asString().contains("after 1 epoch(s)");
    }

    /** The tiny space with three learning rates in grid order; the third is too small to learn anything. */
    private static Map<String, Object> threeRates() {
        Map<String, Object> space = TinyDigits.space();
        space.put("per_item_lrate", List.of(0.003, 0.002, 1e-9));
        space.put("weight_decay", 1e-4);
        space.put("flip_probability", 0.0);
        return space;
    }
}
