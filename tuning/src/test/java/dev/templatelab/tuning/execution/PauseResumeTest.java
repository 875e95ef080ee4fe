package dev.templatelab.tuning.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.templatelab.storage.events.EventInfo;
import dev.templatelab.storage.experiments.ExperimentInfo;
import dev.templatelab.storage.experiments.ExperimentState;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.tuning.testing.TinyDigits;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

/**
 * Pause means nothing of the experiment runs: the running trial stops after its current minibatch and goes back
 * to the queue with its last epoch checkpoint (the unfinished epoch is trained again after resume), and no trial
 * is claimed or sampled. Resume: the paused trial continues from that checkpoint and the experiment finishes.
 */
class PauseResumeTest extends DigitsExperimentTest {


    @Test
    void pausedRunsNothingAndResumedFinishesFromTheCheckpoint() throws Exception {
        Map<String, Object> space = TinyDigits.space();
        space.put("lrate", Map.of("low", 0.01, "high", 0.1, "log", true));
        int epochs = 4;
        ExperimentInfo e = launcher.launch(new ExperimentRequest(unique("paused"), newDataset(digits).id(),
                List.of("Clarifai_InceptionV2"), "random", "none", 2, epochs, 1, "accuracy", space, null, 5L));
        TrialWorker w = worker("pausable");

        CompletableFuture<Optional<TrialRunner.Result>> run = CompletableFuture.supplyAsync(w::workOnce);
        TrialExecutionTest.waitFor(() -> trialsOf(e.id()).size() == 1
                && checkpoints.latest(trialsOf(e.id()).get(0).id()).isPresent(), "the first epoch checkpoint");
        launcher.pause(e.id());

        // the running trial stops (after its minibatch, noticed by its heartbeat) and is handed back
        assertThat(run.get(60, TimeUnit.SECONDS)).contains(TrialRunner.Result.RELEASED);
        TrialInfo paused = trialsOf(e.id()).get(0);
        int checkpointed = checkpoints.latest(paused.id()).orElseThrow().epoch();
        assertThat(checkpointed).isLessThan(epochs - 1);
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.PAUSED);
        assertThat(paused.state()).isEqualTo(TrialState.WAITING);
        assertThat(events.ofTrial(paused.id(), 20)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("released by pausable (experiment paused)"));

        // paused: nothing is claimed and nothing new is sampled
        assertThat(w.workOnce()).isEmpty();
        assertThat(trialsOf(e.id())).hasSize(1).allMatch(t -> t.state() == TrialState.WAITING);

        launcher.resume(e.id());
        for (int i = 0; i < 5 && experiments.get(e.id()).state() != ExperimentState.COMPLETE; i++) {
            w.workOnce();
        }
        assertThat(experiments.get(e.id()).state()).isEqualTo(ExperimentState.COMPLETE);
        List<TrialInfo> all = trialsOf(e.id());
        assertThat(all).hasSize(2).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
            // every epoch exactly once: the resumed trial re-sent none and lost none
            assertThat(metrics.curve(t.id())).extracting(r -> r.metrics().epoch()).containsExactly(0, 1, 2, 3);
        });
        assertThat(all.get(0).attempts()).as("a pause is not a retry: it gives its attempt back").isEqualTo(1);
        assertThat(events.ofTrial(paused.id(), 20)).extracting(EventInfo::message)
                .anyMatch(m -> m.contains("resumes after " + (checkpointed + 1) + " epoch(s) from its checkpoint on worker pausable"));
    }

    private List<TrialInfo> trialsOf(long experimentId) {
        return trials.page(experimentId, null, Pageable.unpaged(Sort.by("number"))).getContent();
    }
}
