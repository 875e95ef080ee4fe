package dev.templatelab.web.experiments;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.notification.Notification;
import dev.templatelab.storage.NotFoundException;
import dev.templatelab.storage.experiments.ExperimentService;
import dev.templatelab.storage.experiments.ExperimentSummary;
import dev.templatelab.storage.trials.TrialState;
import dev.templatelab.web.layout.BackgroundWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pushes changes of running experiments to open pages. Every second it reads each watched
 * experiment's summary (trial counts, epochs recorded, state: three indexed queries) and, when it
 * changed, refreshes the page through {@code UI.access} and server push — so a page shows an epoch
 * within about a second of its metrics reaching the database.
 */
@Component
public class LiveUpdates {

    private static final Logger log = LoggerFactory.getLogger(LiveUpdates.class);

    private final ExperimentService experiments;
    private final Map<Watcher, String> fingerprints = new ConcurrentHashMap<>();

    LiveUpdates(ExperimentService experiments) {
        this.experiments = experiments;
    }

    /** A page showing one experiment in {@code ui}; {@code refresh} runs with the UI locked. */
    public record Watcher(UI ui, com.vaadin.flow.component.Component page, long experimentId, Runnable refresh) {
    }

    /** Starts pushing changes of the page's experiment; returns the handle to {@link #unwatch}. */
    public Watcher watch(UI ui, com.vaadin.flow.component.Component page, long experimentId, Runnable refresh) {
        Watcher w = new Watcher(ui, page, experimentId, refresh);
        fingerprints.put(w, fingerprint(experimentId));
        return w;
    }

    public void unwatch(Watcher watcher) {
        if (watcher != null) {
            fingerprints.remove(watcher);
        }
    }

    /** How many pages are watched (for tests). */
    public int watched() {
        return fingerprints.size();
    }

    /** Every second; {@code templatelab.live-updates.interval-ms} sets another interval (tests poll faster). */
    @Scheduled(fixedDelayString = "${templatelab.live-updates.interval-ms:1000}")
    void poll() {
        for (Map.Entry<Watcher, String> e : fingerprints.entrySet()) {
            Watcher w = e.getKey();
            try {
                String now = fingerprint(w.experimentId());
                if (!now.equals(e.getValue())) {
                    fingerprints.replace(w, now);
                    if (!BackgroundWork.accessIfOpen(w.ui(), () -> refreshIfStillWatched(w))) {
                        fingerprints.remove(w);   // the page was closed
                    }
                }
            } catch (NotFoundException deleted) {
                // Deleted (from another page or the API): this page has nothing left to show. Said once, even if
                // a queued refresh found it deleted first.
                if (fingerprints.remove(w) != null) {
                    BackgroundWork.accessIfOpen(w.ui(), () -> leaveDeleted(w));
                }
            } catch (RuntimeException ex) {
                log.warn("Live update of experiment {} failed: {}", w.experimentId(), ex.getMessage());
            }
        }
    }

    /**
     * Runs with the UI locked, some time after the poll saw the change: by then the user may have left the page
     * or deleted the experiment from it (the refresh would fail on the missing experiment).
     */
    private void refreshIfStillWatched(Watcher w) {
        if (!fingerprints.containsKey(w)) {
            return;
        }
        try {
            w.refresh().run();
        } catch (NotFoundException deleted) {
            if (fingerprints.remove(w) != null) {
                leaveDeleted(w);
            }
        }
    }

    /** Runs with the UI locked; does nothing if the user has left the page meanwhile (say, by deleting it there). */
    private static void leaveDeleted(Watcher w) {
        if (!w.page().isAttached()) {
            return;
        }
        Notification.show("Experiment " + w.experimentId() + " was deleted");
        w.ui().navigate(ExperimentsView.class);
    }

    private String fingerprint(long experimentId) {
        ExperimentSummary s = experiments.summary(experimentId);
        StringBuilder b = new StringBuilder(s.experiment().state().name()).append('/')
                .append(s.totals().epochsRecorded());
        for (TrialState state : TrialState.values()) {
            b.append('/').append(s.trials().count(state));
        }
        return b.toString();
    }
}
