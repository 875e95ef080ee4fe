package dev.templatelab.web.operations;

import dev.templatelab.storage.operations.OperationsService;
import dev.templatelab.storage.operations.QueueSnapshot;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.function.ToDoubleFunction;
import org.springframework.stereotype.Component;

/**
 * The trial queue as Prometheus metrics ({@code /actuator/prometheus}): trials waiting and running, the age of
 * the longest wait, active workers and the stalest heartbeat, and epochs recorded ({@code rate()} of it is
 * epochs/s). Read from the database, so workers on other machines are included. One query serves every
 * gauge of a scrape: the snapshot is reused for a second.
 */
@Component
class QueueMetrics implements MeterBinder {

    /** A worker whose last heartbeat is older than this no longer counts as active. */
    static final Duration ACTIVE_WINDOW = Duration.ofMinutes(2);
    private static final long REUSE_NANOS = Duration.ofSeconds(1).toNanos();

    private final OperationsService operations;
    private QueueSnapshot last;
    private long lastAt;

    QueueMetrics(OperationsService operations) {
        this.operations = operations;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "templatelab.trials.waiting", "Trials waiting for a worker", QueueSnapshot::waiting);
        gauge(registry, "templatelab.trials.running", "Trials a worker is training", QueueSnapshot::running);
        gauge(registry, "templatelab.queue.oldest.wait.seconds", "Age of the longest-waiting trial",
                QueueSnapshot::oldestWaitingSeconds);
        gauge(registry, "templatelab.workers.active", "Workers that heartbeated within " + ACTIVE_WINDOW.toMinutes()
                + " minutes", QueueSnapshot::activeWorkers);
        gauge(registry, "templatelab.workers.heartbeat.oldest.seconds",
                "Age of the stalest heartbeat among running trials", QueueSnapshot::oldestHeartbeatSeconds);
        FunctionCounter.builder("templatelab.epochs", this, m -> m.snapshot().epochsRecorded())
                .description("Training epochs recorded by all workers").register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String help, ToDoubleFunction<QueueSnapshot> value) {
        Gauge.builder(name, this, m -> value.applyAsDouble(m.snapshot())).description(help).register(registry);
    }

    synchronized QueueSnapshot snapshot() {
        long now = System.nanoTime();
        if (last == null || now - lastAt > REUSE_NANOS) {
            last = operations.snapshot(ACTIVE_WINDOW);
            lastAt = now;
        }
        return last;
    }
}
