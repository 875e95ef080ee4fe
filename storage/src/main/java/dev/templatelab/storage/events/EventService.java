package dev.templatelab.storage.events;

import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import java.util.List;
import java.util.Objects;

/** An experiment's log: what the tuner, workers and users did, for the UI and for post-mortems. */
@Service
@Transactional
public class EventService {

    /** Longer messages are cut (stack traces belong in a trial's error text). */
    public static final int MAX_MESSAGE_LENGTH = 10_000;

    private final EventRepository events;

    EventService(EventRepository events) {
        this.events = events;
    }

    /** Appends a log line to an experiment, optionally about one of its trials ({@code trialId} may be null). */
    public EventInfo log(long experimentId, Long trialId, EventLevel level, String message) {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(message, "message");
        String text = message.length() > MAX_MESSAGE_LENGTH ? message.substring(0, MAX_MESSAGE_LENGTH) + "..." : message;
        return events.saveAndFlush(new EventEntity(experimentId, trialId, level, text)).toInfo();
    }

    /** Shorthand for an experiment-wide INFO line. */
    public EventInfo info(long experimentId, String message) {
        return log(experimentId, null, EventLevel.INFO, message);
    }

    /** The newest {@code limit} events of an experiment, newest first. */
    @Transactional(readOnly = true)
    public List<EventInfo> recent(long experimentId, int limit) {
        return events.findByExperimentIdOrderByIdDesc(experimentId, Pageable.ofSize(limit)).stream()
                .map(EventEntity::toInfo).toList();
    }

    /** Events after the one with id {@code afterId} (0 for all), oldest first: a UI tails the log with this. */
    @Transactional(readOnly = true)
    public List<EventInfo> since(long experimentId, long afterId, int limit) {
        return events.findByExperimentIdAndIdGreaterThanOrderByIdAsc(experimentId, afterId, Pageable.ofSize(limit))
                .stream().map(EventEntity::toInfo).toList();
    }

    /** A trial's events, oldest first. */
    @Transactional(readOnly = true)
    public List<EventInfo> ofTrial(long trialId, int limit) {
        return events.findByTrialIdOrderByIdAsc(trialId, Pageable.ofSize(limit)).stream()
                .map(EventEntity::toInfo).toList();
    }
}
