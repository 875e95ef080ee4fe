package dev.templatelab.tuning.execution;

import dev.templatelab.storage.metrics.EpochMetrics;
import dev.templatelab.storage.metrics.Metric;
import dev.templatelab.storage.metrics.MetricService;
import dev.templatelab.storage.metrics.RecordedEpoch;
import dev.templatelab.storage.trials.ClaimedTrial;
import dev.templatelab.storage.trials.NewTrial;
import dev.templatelab.storage.trials.TrialInfo;
import dev.templatelab.storage.trials.TrialLease;
import dev.templatelab.storage.trials.TrialParam;
import dev.templatelab.storage.trials.TrialResult;
import dev.templatelab.storage.trials.TrialService;
import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.StudyStorage;
import dev.templatelab.tuning.study.TrialState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;

/**
 * One experiment's trials in the database, as a study sees them: trials are storage's trials, parameters keep
 * their distribution as JSON, and the intermediate values are the objective's column of {@code trial_metrics}
 * (one row per epoch, the first report wins). Every read goes to the database, so a sampler or pruner in any
 * process sees every worker's trials. A trial is finished through the lease of the worker that created or
 * claimed it ({@link #adopt}); WAITING trials (re-queued) look RUNNING to samplers and pruners. A CANCELLED trial
 * keeps the value of its best checkpointed epoch; a FAIL trial has none.
 */
public final class DbStudyStorage implements StudyStorage {

    private final long experimentId;
    private final String workerId;
    private final Metric column;
    private final TrialService trials;
    private final MetricService metrics;
    private final Map<Integer, TrialLease> leases = new ConcurrentHashMap<>();

    public DbStudyStorage(long experimentId, String workerId, Metric column, TrialService trials, MetricService metrics) {
        this.experimentId = experimentId;
        this.workerId = workerId;
        this.column = column;
        this.trials = trials;
        this.metrics = metrics;
    }

    /** Creates the trial already claimed by this storage's worker (callers hold the experiment's lock). */
    @Override
    public int createTrial(String template, Map<String, Object> params, Map<String, Distribution> distributions,
                           Instant started) {
        List<TrialParam> rows = new ArrayList<>();
        params.forEach((name, value) -> {
            Distribution d = distributions.get(name);
            if (d == null) {
                throw new IllegalArgumentException("parameter " + name + " has no distribution");
            }
            rows.add(d instanceof CategoricalDistribution c ? TrialParam.ofChoice(name, value, c.indexOf(value), d.toJson())
                    : TrialParam.ofNumber(name, (Number) value, d.toJson()));
        });
        ClaimedTrial claimed = trials.claimNew(experimentId, new NewTrial(template, rows), workerId);
        if (started != null) {
            trials.stamp(claimed.trial().id(), started, null);
        }
        leases.put(claimed.trial().number(), claimed.lease());
        return claimed.trial().number();
    }

    /** Lets this storage finish a trial its worker claimed from the queue. */
    public void adopt(ClaimedTrial claimed) {
        leases.put(claimed.trial().number(), claimed.lease());
    }

    /** The lease this storage holds on trial {@code number}. */
    public TrialLease lease(int number) {
        TrialLease lease = leases.get(number);
        if (lease == null) {
            throw new IllegalStateException("trial " + number + " of experiment " + experimentId
                    + " is not held by worker " + workerId);
        }
        return lease;
    }

    @Override
    public boolean reportIntermediate(int number, int step, double value) {
        TrialInfo t = info(number);
        if (t.state().isFinished()) {
            throw new IllegalStateException("trial " + number + " is already " + t.state() + "; no more reports");
        }
        if (curve(t.id()).containsKey(step)) {
            return false;
        }
        trials.reportEpoch(t.id(), epochWith(step, value));
        trials.flushMetrics();
        return true;
    }

    @Override
    public void finishTrial(int number, TrialState state, Double value, Instant finished) {
        if (!state.isFinished()) {
            throw new IllegalArgumentException("a trial is finished as COMPLETE, PRUNED or FAIL, not " + state);
        }
        TrialInfo t = info(number);
        if (t.state().isFinished()) {
            throw new IllegalStateException("trial " + number + " is already " + t.state());
        }
        TrialLease lease = lease(number);
        TrialResult result = new TrialResult(value, null, null, null);
        switch (state) {
            case COMPLETE -> trials.complete(lease, result);
            case PRUNED -> trials.prune(lease, result);
            case FAIL -> trials.fail(lease, "failed", null);
            case CANCELLED -> throw new IllegalArgumentException("trial " + number + " is cancelled with its experiment "
                    + "(ExperimentService.cancel), not on its own");
            default -> throw new IllegalStateException();
        }
        leases.remove(number);
        if (finished != null) {
            trials.stamp(t.id(), null, finished);
        }
    }

    @Override
    public FrozenTrial trial(int number) {
        TrialInfo t = info(number);
        return frozen(t, curve(t.id()));
    }

    @Override
    public List<FrozenTrial> trials() {
        List<TrialInfo> all = trials.page(experimentId, null, Pageable.unpaged(Sort.by("number"))).getContent();
        Map<Long, List<RecordedEpoch>> curves = all.isEmpty() ? Map.of()
                : metrics.curves(all.stream().map(TrialInfo::id).toList());
        return all.stream().map(t -> frozen(t, values(curves.getOrDefault(t.id(), List.of())))).toList();
    }

    private TrialInfo info(int number) {
        Optional<TrialInfo> t = trials.find(experimentId, number);
        return t.orElseThrow(() -> new IllegalArgumentException("no trial " + number + " in experiment " + experimentId));
    }

    private TreeMap<Integer, Double> curve(long trialId) {
        return values(metrics.curve(trialId));
    }

    private TreeMap<Integer, Double> values(List<RecordedEpoch> epochs) {
        TreeMap<Integer, Double> values = new TreeMap<>();
        for (RecordedEpoch e : epochs) {
            Double v = column.of(e.metrics());
            if (v != null) {
                values.put(e.metrics().epoch(), v);
            }
        }
        return values;
    }

    private EpochMetrics epochWith(int epoch, double value) {
        return new EpochMetrics(epoch, column == Metric.TRAIN_LOSS ? value : null, column == Metric.VAL_LOSS ? value : null,
                column == Metric.VAL_ACCURACY ? value : null, column == Metric.VAL_MACRO_F1 ? value : null, null, null,
                column == Metric.VAL_MAP ? value : null);
    }

    static FrozenTrial frozen(TrialInfo t, TreeMap<Integer, Double> curve) {
        Map<String, Object> params = new LinkedHashMap<>();
        Map<String, Distribution> distributions = new LinkedHashMap<>();
        for (TrialParam p : t.params()) {
            Distribution d = Distribution.fromJson(p.distributionJson());
            distributions.put(p.name(), d);
            params.put(p.name(), d.fromInternal(p.internalValue()));
        }
        TrialState state = switch (t.state()) {
            case WAITING, RUNNING -> TrialState.RUNNING;
            case COMPLETE -> TrialState.COMPLETE;
            case HELD -> TrialState.HELD;
            case PRUNED -> TrialState.PRUNED;
            case FAIL -> TrialState.FAIL;
            case CANCELLED -> TrialState.CANCELLED;
        };
        return new FrozenTrial(t.number(), state, t.template(), params, distributions,
                state == TrialState.FAIL ? null : t.objectiveValue(), curve,
                t.startedAt() != null ? t.startedAt() : t.createdAt(), t.finishedAt());
    }
}
