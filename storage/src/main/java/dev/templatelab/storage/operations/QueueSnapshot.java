package dev.templatelab.storage.operations;

/**
 * The trial queue across every experiment at one moment, for monitoring (Prometheus gauges).
 *
 * @param waiting              trials waiting for a worker
 * @param running              trials a worker holds
 * @param oldestWaitingSeconds age of the longest-waiting trial (0 when none waits)
 * @param activeWorkers        distinct workers whose heartbeat is younger than the window asked for
 * @param oldestHeartbeatSeconds age of the stalest heartbeat among running trials (0 when none runs)
 * @param epochsRecorded       epochs ever recorded (a counter: its rate is epochs/s)
 */
public record QueueSnapshot(long waiting, long running, double oldestWaitingSeconds, long activeWorkers,
                            double oldestHeartbeatSeconds, long epochsRecorded) {
}
