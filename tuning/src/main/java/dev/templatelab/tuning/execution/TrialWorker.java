package dev.templatelab.tuning.execution;

import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.config.DatabaseErrors;
import dev.templatelab.storage.trials.TrialService;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker: re-queues trials whose worker went silent, claims or samples the next trial of any running
 * experiment, runs it, and marks experiments complete. Between trials it polls; when the database is
 * unreachable it logs that and retries with growing pauses (up to 30 s), so a restart of PostgreSQL or of
 * the server only delays the work.
 */
public final class TrialWorker implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TrialWorker.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final String id;
    private final TrialScheduler scheduler;
    private final TrialRunner runner;
    private final TrialService trials;
    private final WorkerSettings settings;
    private final Runnable whenIdle;
    private volatile boolean stopping;
    private volatile TrialControl current;

    public TrialWorker(String id, TrialScheduler scheduler, TrialRunner runner, TrialService trials, WorkerSettings settings) {
        this(id, scheduler, runner, trials, settings, () -> { });
    }

    /** A worker that also runs {@code whenIdle} (housekeeping such as {@link CopiesSweep#sweepIfDue}) when it has no trial. */
    public TrialWorker(String id, TrialScheduler scheduler, TrialRunner runner, TrialService trials, WorkerSettings settings,
                       Runnable whenIdle) {
        this.whenIdle = whenIdle;
        this.id = id;
        this.scheduler = scheduler;
        this.runner = runner;
        this.trials = trials;
        this.settings = settings;
    }

    public String id() {
        return id;
    }

    @Override
    public void run() {
        int failures = 0;
        while (!stopping) {
            try {
                boolean worked = workOnce().isPresent();
                if (failures > 0) {
                    log.warn("Worker {}: database reachable again", id);
                }
                failures = 0;
                if (!worked) {
                    sleep(settings.pollInterval());
                }
            } catch (Error e) {
                // Not the database: say what happened and go on. Trials record such errors themselves; one thrown
                // outside training (storing the result) leaves its trial RUNNING for a takeover after the grace.
                log.error("Worker {}: {}; taking the next trial in {} s", id, e, settings.pollInterval().toSeconds(), e);
                sleep(settings.pollInterval());
            } catch (RuntimeException e) {
                if (DatabaseErrors.isConnectionProblem(e)) {
                    runner.noteDatabaseOutage();
                }
                failures++;
                Duration pause = settings.pollInterval().multipliedBy(1L << Math.min(failures, 5));
                pause = pause.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : pause;
                log.warn("Worker {}: database unreachable or refusing ({}); retrying in {} s", id, e.getMessage(),
                        pause.toSeconds());
                sleep(pause);
            }
        }
    }

    /** One round: take over stale trials, run the next trial if there is one, complete finished experiments. */
    public Optional<TrialRunner.Result> workOnce() {
        takeOverStaleTrials();
        long claimStarted = System.nanoTime();
        Optional<Assignment> next = stopping ? Optional.empty() : scheduler.next(id, settings.skipsUnreadableDatasets());
        long claimMillis = (System.nanoTime() - claimStarted) / 1_000_000;
        if (next.isEmpty()) {
            scheduler.completeFinished();
            whenIdle.run();
            return Optional.empty();
        }
        Assignment a = next.get();
        TrialControl control = new TrialControl();
        current = control;
        if (stopping) {
            control.stop(TrialControl.StopReason.SHUTDOWN);
        }
        TrialRunner.Result result;
        long started = System.nanoTime();
        try {
            // claim_ms: time to claim or sample this trial, lock waits included (what scale-out runs look at)
            log.info("trial started experiment={} trial={} number={} worker={} claim_ms={} template={} params={}",
                    a.experiment().id(), a.trialId(), a.trial().number(), id, claimMillis, a.trial().template(),
                    a.trial().params());
            result = runner.run(a, control);
        } finally {
            current = null;
        }
        log.info("trial ended experiment={} trial={} number={} worker={} result={} seconds={}", a.experiment().id(),
                a.trialId(), a.trial().number(), id, result,
                String.format(Locale.ROOT, "%.2f", (System.nanoTime() - started) / 1e9));
        try {
            scheduler.completeIfDone(a.experiment().id());
        } catch (NotFoundException deleted) {
            // the experiment was deleted while its trial ran: nothing to complete
        }
        return Optional.of(result);
    }

    /**
     * Re-queues trials whose workers went silent, unless this process found the database unreachable within the
     * last heartbeat grace period: after an outage longer than the grace (a PostgreSQL restart) every running
     * trial looks silent until its worker's next heartbeat gets through, and taking them over would cost each an
     * attempt and its unfinished epoch. Returns whether it looked.
     */
    boolean takeOverStaleTrials() {
        if (runner.databaseOutageWithin(settings.heartbeatGrace())) {
            return false;
        }
        trials.requeueStale(settings.heartbeatGrace(), ExperimentLauncher.DEFAULT_MAX_ATTEMPTS);
        return true;
    }

    /** Stops after the current minibatch; a running trial is checkpointed and released for another worker. */
    public void stop() {
        stopping = true;
        TrialControl c = current;
        if (c != null) {
            c.stop(TrialControl.StopReason.SHUTDOWN);
        }
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }
}
