package dev.templatelab.tuning.study;

import dev.templatelab.tuning.pruner.NopPruner;
import dev.templatelab.tuning.pruner.PromotingPruner;
import dev.templatelab.tuning.pruner.Pruner;
import dev.templatelab.tuning.sampler.Sample;
import dev.templatelab.tuning.sampler.Sampler;
import dev.templatelab.tuning.sampler.TpeSampler;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.space.TemplateSpace;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A hyperparameter search: {@link #ask()} hands out trials sampled from the space, the training loop reports
 * each epoch and asks {@link Trial#shouldPrune()}, and {@link #tell} records how the trial ended. Ask/tell is
 * the only boundary to training. Safe for a local pool of workers sharing one study.
 */
public final class Study implements StudyView {

    private final String name;
    private final SearchSpace space;
    private final Objective objective;
    private final Sampler sampler;
    private final Pruner pruner;
    private final Budget budget;
    private final StudyStorage storage;
    private final Clock clock;
    private final Supplier<Optional<String>> outsideBudget;
    private final Instant created;

    private Study(Builder b) {
        this.name = b.name;
        this.space = b.space;
        this.objective = b.objective;
        this.sampler = b.sampler;
        this.pruner = b.pruner;
        this.budget = b.budget;
        this.storage = b.storage;
        this.clock = b.clock;
        this.outsideBudget = b.outsideBudget;
        this.created = clock.instant();
    }

    /** A study named {@code name} over {@code space}; defaults: maximize val_accuracy, TPE (seed 0), no pruning, no limits. */
    public static Builder builder(String name, SearchSpace space) {
        return new Builder(name, space);
    }

    /** Starts a new trial, or fails if the study {@linkplain #isFinished() is finished}. */
    public synchronized Trial ask() {
        Optional<String> stop = stopReason();
        if (stop.isPresent()) {
            throw new IllegalStateException("study '" + name + "' is finished: " + stop.get());
        }
        int number = storage.trials().size();
        Sample sample = sampler.sample(this, number);
        int stored = storage.createTrial(sample.template(), sample.params(),
                space.template(sample.template()).parameters(), clock.instant());
        return new Trial(this, stored, sample.template(), sample.params());
    }

    /**
     * A trial handed out before and not finished (re-queued after its worker was lost, or retried after an
     * error), to run again: same number, template and parameters.
     */
    public synchronized Trial reopen(int number) {
        FrozenTrial t = storage.trial(number);
        if (t.state().isFinished()) {
            throw new IllegalStateException("trial " + number + " is already " + t.state() + "; it cannot run again");
        }
        return new Trial(this, number, t.template(), t.params());
    }

    /**
     * Ends a trial. COMPLETE needs the final objective value (NaN or infinite is recorded as FAIL, as Optuna
     * does); PRUNED keeps its curve and, without a value, takes the last reported one; FAIL ignores the value;
     * CANCELLED (the search was cancelled while it ran) keeps the value given, its best so far, or none.
     */
    public synchronized void tell(Trial trial, TrialState state, Double value) {
        if (trial.study() != this) {
            throw new IllegalArgumentException("trial " + trial.number() + " belongs to another study");
        }
        Double recorded = switch (state) {
            case COMPLETE -> {
                if (value == null) {
                    throw new IllegalArgumentException("a COMPLETE trial needs its objective value");
                }
                yield value;
            }
            case PRUNED -> value != null ? value : lastReported(trial.number());
            case FAIL -> null;
            case CANCELLED -> value;
            case RUNNING, HELD -> throw new IllegalArgumentException("tell takes COMPLETE, PRUNED, FAIL or CANCELLED, not "
                    + state);
        };
        TrialState recordedState = state == TrialState.COMPLETE && !Double.isFinite(recorded) ? TrialState.FAIL : state;
        storage.finishTrial(trial.number(), recordedState, recordedState == TrialState.FAIL ? null : recorded,
                clock.instant());
    }

    /** The best complete trial, if any. */
    public synchronized Optional<FrozenTrial> best() {
        FrozenTrial best = null;
        for (FrozenTrial t : storage.trials()) {
            if (t.state() == TrialState.COMPLETE && (best == null || direction().isBetter(t.value(), best.value()))) {
                best = t;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Whether no more trials should be asked for. */
    public boolean isFinished() {
        return stopReason().isPresent();
    }

    /** Why the study is finished (which budget or rule), or empty while it runs. */
    public synchronized Optional<String> stopReason() {
        List<FrozenTrial> trials = storage.trials();
        if (budget.maxTrials() != null && trials.size() >= budget.maxTrials()) {
            return Optional.of("reached the maximum of " + budget.maxTrials() + " trials");
        }
        Optional<String> spent = budgetSpent(trials);
        return spent.isPresent() ? spent : noNewTrial(trials);
    }

    /** Why no new trial may be asked for, the budgets that stop all training aside. */
    private Optional<String> noNewTrial(List<FrozenTrial> trials) {
        if (budget.maxTrials() != null && trials.size() >= budget.maxTrials()) {
            return Optional.of("reached the maximum of " + budget.maxTrials() + " trials");
        }
        if (sampler.isExhausted(this)) {
            return Optional.of("the sampler has no new points (every grid point was tried)");
        }
        OptionalLong committed = epochsCommitted(trials);
        OptionalInt most = epochsOfANewTrial();
        if (committed.isPresent() && most.isPresent() && committed.getAsLong() + most.getAsInt() > budget.maxTotalEpochs()) {
            return Optional.of("the epoch budget of " + budget.maxTotalEpochs() + " has " + (budget.maxTotalEpochs()
                    - committed.getAsLong()) + " left once the running trials end, fewer than a new trial may train ("
                    + most.getAsInt() + ")");
        }
        return Optional.empty();
    }

    /**
     * A HELD trial to run on now, and why.
     *
     * @param trial its number
     * @param why   which rule picked it
     */
    public record Promotion(int trial, Why why) {
    }

    /** Why a held trial runs on. */
    public enum Why {
        /** ASHA's own promotion: it is now among the best of its rung. */
        AMONG_THE_BEST,
        /** No new trial may start, and it is the best held trial that the epoch budget can still finish. */
        FILLS_THE_EPOCH_BUDGET,
        /** No new trial may start, no trial completed or is running, and it is the best held trial. */
        FINISHES_ONE_TRIAL
    }

    /**
     * The HELD trial to run on now, unless the wall-clock, epoch or target budget is spent: first ASHA's own pick.
     * Failing that, once no new trial may start (the trial count is reached, the sampler has no new points, or the
     * epoch budget cannot take one more):
     * <ul>
     *   <li>with an epoch budget, the best held trial of the highest rung that the budget can still finish:
     *       otherwise the epochs the user granted would go unused while workers sit idle, and the trials ranked
     *       best at the highest rung are the likeliest to end best;</li>
     *   <li>without one, the best held trial of the highest rung if no trial completed and none is running: a rung
     *       keeps its best 1/reduction-factor, so with fewer trials at a rung than the factor nobody would run on,
     *       and a small search (say two trials) would end with every trial pruned after its first epoch and no
     *       model to hand over. (Alone at its next rung it is not held again: this rule would pick it at once.)</li>
     * </ul>
     * Reaching the trial count does not stop promotions: those trials were already asked for.
     *
     * <p>Under ASHA an epoch budget is a hard cap: a trial starts, or is promoted, only if the epochs recorded, the
     * epochs the running trials may still train and all of its own remaining epochs fit in it. A running trial
     * therefore always has room to finish, and the experiment never records more than the budget (an epoch cut
     * short by a pause, a lost worker or an error is trained again and recorded once). (This needs every
     * trial's {@code num_epochs}, which experiments always have; a study whose space lacks it stops starting trials
     * once the budget is trained, as with the other pruners, and does not spend the rest on held trials.)
     */
    public synchronized Optional<Promotion> promotion() {
        return promotion(storage.trials());
    }

    /** {@link #promotion()} as if the study's trials were {@code trials}. */
    private Optional<Promotion> promotion(List<FrozenTrial> trials) {
        if (!(pruner instanceof PromotingPruner promoting) || budgetSpent(trials).isPresent()) {
            return Optional.empty();
        }
        StudyView view = withTrials(trials);
        OptionalLong committed = epochsCommitted(trials);
        Predicate<FrozenTrial> fits = committed.isEmpty() ? t -> true
                : t -> epochsLeft(t) <= budget.maxTotalEpochs() - committed.getAsLong();
        OptionalInt byRung = promoting.promotable(view, fits);
        if (byRung.isPresent()) {
            return Optional.of(new Promotion(byRung.getAsInt(), Why.AMONG_THE_BEST));
        }
        if (noNewTrial(trials).isEmpty()) {
            return Optional.empty();
        }
        Why why;
        if (committed.isPresent()) {
            why = Why.FILLS_THE_EPOCH_BUDGET;
        } else if (trials.stream().noneMatch(t -> t.state() == TrialState.COMPLETE || t.state() == TrialState.RUNNING)) {
            why = Why.FINISHES_ONE_TRIAL;
        } else {
            return Optional.empty();
        }
        OptionalInt held = promoting.bestHeld(view, fits);
        return held.isPresent() ? Optional.of(new Promotion(held.getAsInt(), why)) : Optional.empty();
    }

    /**
     * Under ASHA with an epoch budget: the epochs recorded plus those the running trials may still train. Empty
     * otherwise, or if some trial's space does not say how many epochs it trains.
     */
    private OptionalLong epochsCommitted(List<FrozenTrial> trials) {
        if (!(pruner instanceof PromotingPruner) || budget.maxTotalEpochs() == null) {
            return OptionalLong.empty();
        }
        long committed = 0;
        for (FrozenTrial t : trials) {
            if (t.plannedEpochs().isEmpty()) {
                return OptionalLong.empty();
            }
            committed += t.reportedEpochs() + (t.state() == TrialState.RUNNING ? epochsLeft(t) : 0);
        }
        return OptionalLong.of(committed);
    }

    /** The most epochs a new trial may train: the largest {@code num_epochs} of the space, if every template has one. */
    private OptionalInt epochsOfANewTrial() {
        int most = 0;
        for (TemplateSpace t : space.templates()) {
            Distribution epochs = t.parameter(FrozenTrial.EPOCHS);
            OptionalDouble largest = epochs == null ? OptionalDouble.empty() : epochs.largest();
            if (largest.isEmpty()) {
                return OptionalInt.empty();
            }
            most = Math.max(most, (int) largest.getAsDouble());
        }
        return OptionalInt.of(most);
    }

    /** The epochs {@code t} still trains if nothing stops it (its planned epochs are known). */
    private static int epochsLeft(FrozenTrial t) {
        return Math.max(0, t.plannedEpochs().getAsInt() - t.reportedEpochs());
    }

    /** The budgets that stop all training, not just new trials: wall clock, total epochs, target value. */
    private Optional<String> budgetSpent(List<FrozenTrial> trials) {
        Optional<String> outside = outsideBudget.get();
        if (outside.isPresent()) {
            return outside;
        }
        if (budget.maxWallClock() != null) {
            Duration elapsed = Duration.between(created, clock.instant());
            if (elapsed.compareTo(budget.maxWallClock()) >= 0) {
                return Optional.of("ran " + elapsed + ", the wall-clock budget is " + budget.maxWallClock());
            }
        }
        if (budget.maxTotalEpochs() != null) {
            long epochs = trials.stream().mapToLong(FrozenTrial::reportedEpochs).sum();
            if (epochs >= budget.maxTotalEpochs()) {
                return Optional.of("trained " + epochs + " epochs, the budget is " + budget.maxTotalEpochs());
            }
        }
        if (budget.target() != null) {
            Optional<FrozenTrial> best = best();
            if (best.isPresent() && !direction().isBetter(budget.target(), best.get().value())) {
                return Optional.of(String.format(Locale.ROOT, "trial %d reached %s = %s (target %s)", best.get().number(),
                        objective.metric().id(), best.get().value(), budget.target()));
            }
        }
        return Optional.empty();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Direction direction() {
        return objective.direction();
    }

    @Override
    public SearchSpace space() {
        return space;
    }

    /** What the study optimises. */
    public Objective objective() {
        return objective;
    }

    /** When the study stops. */
    public Budget budget() {
        return budget;
    }

    @Override
    public List<FrozenTrial> trials() {
        return storage.trials();
    }

    /** One trial's snapshot. */
    public FrozenTrial trial(int number) {
        return storage.trial(number);
    }

    /** Sum of epochs reported by all trials. */
    public long totalEpochs() {
        return storage.trials().stream().mapToLong(FrozenTrial::reportedEpochs).sum();
    }

    synchronized void report(Trial trial, int epoch, double value) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        storage.reportIntermediate(trial.number(), epoch, value);
    }

    synchronized boolean shouldPrune(Trial trial) {
        return pruner.prune(this, unfinished(trial));
    }

    /** Both pruner questions on one snapshot of the trial: a worker asks this once per epoch. */
    synchronized Trial.Verdict verdict(Trial trial, boolean mayHold) {
        if (!mayHold || !(pruner instanceof PromotingPruner promoting)) {
            FrozenTrial current = unfinished(trial);
            return pruner.prune(this, current) ? Trial.Verdict.PRUNE : Trial.Verdict.CONTINUE;
        }
        // One read of every trial serves all three questions: a worker asks this every epoch.
        List<FrozenTrial> trials = storage.trials();
        StudyView now = withTrials(trials);
        FrozenTrial current = unfinished(trials.stream().filter(t -> t.number() == trial.number()).findFirst()
                .orElseGet(() -> storage.trial(trial.number())));
        if (pruner.prune(now, current)) {
            return Trial.Verdict.PRUNE;
        }
        boolean hold = promoting.hold(now, current) && !promotedAtOnce(trials, current);
        return hold ? Trial.Verdict.HOLD : Trial.Verdict.CONTINUE;
    }

    /**
     * Whether {@code trial}, held now, would be the next promotion: then it runs on instead. This happens once no
     * new trial may start (say, a trial promoted to spend the epoch budget, alone at each later rung): holding it
     * would only stop it and load its checkpoint again, on this worker or another.
     */
    private boolean promotedAtOnce(List<FrozenTrial> trials, FrozenTrial trial) {
        List<FrozenTrial> asIfHeld = trials.stream()
                .map(t -> t.number() == trial.number() ? t.withState(TrialState.HELD) : t).toList();
        return promotion(asIfHeld).map(p -> p.trial() == trial.number()).orElse(false);
    }

    private FrozenTrial unfinished(Trial trial) {
        return unfinished(storage.trial(trial.number()));
    }

    private static FrozenTrial unfinished(FrozenTrial current) {
        if (current.state().isFinished()) {
            throw new IllegalStateException("trial " + current.number() + " is already " + current.state());
        }
        return current;
    }

    private Double lastReported(int number) {
        var values = storage.trial(number).intermediateValues();
        return values.isEmpty() ? null : values.get(values.lastKey());
    }

    /** Settings of a {@link Study}: required ones in {@link #builder}, optional ones {@code optX}. */
    public static final class Builder {
        private final String name;
        private final SearchSpace space;
        private Objective objective = Objective.defaultObjective();
        private Sampler sampler = new TpeSampler(0);
        private Pruner pruner = new NopPruner();
        private Budget budget = Budget.unlimited();
        private StudyStorage storage = new InMemoryStudyStorage();
        private Clock clock = Clock.systemUTC();
        private Supplier<Optional<String>> outsideBudget = Optional::empty;

        private Builder(String name, SearchSpace space) {
            this.name = name;
            this.space = space;
        }

        /** The metric and direction; maximize val_accuracy by default. */
        public Builder optObjective(Objective objective) {
            this.objective = objective;
            return this;
        }

        /** How trials are sampled; TPE with seed 0 by default. */
        public Builder optSampler(Sampler sampler) {
            this.sampler = sampler;
            return this;
        }

        /** How trials are stopped early; never by default. */
        public Builder optPruner(Pruner pruner) {
            this.pruner = pruner;
            return this;
        }

        /** When the study stops; unlimited by default. */
        public Builder optBudget(Budget budget) {
            this.budget = budget;
            return this;
        }

        /** Where trials are kept; in memory by default. */
        public Builder optStorage(StudyStorage storage) {
            this.storage = storage;
            return this;
        }

        /** The clock for the wall-clock budget and timestamps (tests pass a fixed one). */
        public Builder optClock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * A budget kept outside the study, which says why once it is spent: an experiment's wall clock, counted by
         * the database without its pauses. Like the study's own wall-clock budget, it stops all training: no new
         * trial, no promotion, and no held trial running on in its place. None by default.
         */
        public Builder optOutsideBudget(Supplier<Optional<String>> spent) {
            this.outsideBudget = spent;
            return this;
        }

        /** The study, or an error saying which setting is missing. */
        public Study build() {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a study needs a name");
            }
            Objects.requireNonNull(space, "a study needs a search space (SearchSpace.defaults(...))");
            Objects.requireNonNull(objective, "objective");
            Objects.requireNonNull(sampler, "sampler");
            Objects.requireNonNull(pruner, "pruner");
            Objects.requireNonNull(budget, "budget");
            Objects.requireNonNull(storage, "storage");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(outsideBudget, "outsideBudget");
            return new Study(this);
        }
    }
}
