package dev.templatelab.tuning.execution;

import dev.templatelab.storage.trials.TrialService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The local workers of this process: {@code templatelab.workers} threads (env TEMPLATELAB_WORKERS; 0, the
 * default, runs none), started with the application context and stopped before the database goes when it
 * closes: each running trial stops after its minibatch and goes back to the queue for another worker to resume.
 */
@Component
public class WorkerPool implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    private final WorkerSettings settings;
    private final TrialScheduler scheduler;
    private final TrialRunner runner;
    private final TrialService trials;
    private final CopiesSweep copiesSweep;
    private final List<TrialWorker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    WorkerPool(Environment env, TrialScheduler scheduler, TrialRunner runner, TrialService trials, CopiesSweep copiesSweep) {
        this.copiesSweep = copiesSweep;
        this.settings = WorkerSettings.from(env);
        this.scheduler = scheduler;
        this.runner = runner;
        this.trials = trials;
    }

    /** How many workers this process runs. */
    public int size() {
        return settings.workers();
    }

    @Override
    public synchronized void start() {
        int nd4jThreads = settings.workers() > 0 ? settings.nd4jThreadsPerTrial() : 0;
        if (nd4jThreads > 0) {
            NativeThreads.applyProcessWide(nd4jThreads);
            log.info("ND4J threads per trial: {} ({} trial(s) at once, {} cores; {})", nd4jThreads, settings.workers(),
                    Runtime.getRuntime().availableProcessors(), NativeThreads.describe());
        }
        for (int i = 0; i < settings.workers(); i++) {
            String id = settings.workers() == 1 ? settings.workerId() : settings.workerId() + "-" + (i + 1);
            TrialWorker worker = new TrialWorker(id, scheduler, runner, trials, settings, copiesSweep::sweepIfDue);
            Runnable body = nd4jThreads == 0 ? worker : () -> {
                NativeThreads.applyToCurrentThread(nd4jThreads);   // OpenMP's setting is per thread
                worker.run();
            };
            Thread thread = new Thread(body, "templatelab-worker-" + (i + 1));
            workers.add(worker);
            threads.add(thread);
            thread.start();
        }
        if (!workers.isEmpty()) {
            log.info("Started {} tuning worker(s): {}", workers.size(), workers.stream().map(TrialWorker::id).toList());
        }
        running = true;
    }

    @Override
    public synchronized void stop() {
        workers.forEach(TrialWorker::stop);
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.MINUTES.toMillis(2));
                if (t.isAlive()) {
                    log.warn("Worker thread {} did not stop within 2 minutes", t.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        workers.clear();
        threads.clear();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
