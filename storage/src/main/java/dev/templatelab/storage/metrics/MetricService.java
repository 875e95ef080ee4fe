package dev.templatelab.storage.metrics;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads per-epoch metrics (learning curves). Writes go through {@link MetricWriter}. */
@Service
@Transactional(readOnly = true)
public class MetricService {

    private final TrialMetricRepository metrics;

    MetricService(TrialMetricRepository metrics) {
        this.metrics = metrics;
    }

    /** Curves of these trials, keyed in the order given, each ordered by epoch; missing trials map to []. */
    public Map<Long, List<RecordedEpoch>> curves(Collection<Long> trialIds) {
        Map<Long, List<RecordedEpoch>> curves = new LinkedHashMap<>();
        trialIds.forEach(id -> curves.put(id, new java.util.ArrayList<>()));
        if (trialIds.isEmpty()) {
            return curves;
        }
        for (TrialMetricEntity row : metrics.findByTrialIdInOrderByTrialIdAscEpochAsc(trialIds)) {
            curves.get(row.trialId).add(row.toRecordedEpoch());
        }
        curves.replaceAll((id, rows) -> List.copyOf(rows));
        return curves;
    }

    /** One trial's curve, ordered by epoch. */
    public List<RecordedEpoch> curve(long trialId) {
        return curves(List.of(trialId)).get(trialId);
    }

    /** How many epochs a trial has recorded (flushed rows only). */
    public long epochCount(long trialId) {
        return metrics.countByTrialId(trialId);
    }
}
