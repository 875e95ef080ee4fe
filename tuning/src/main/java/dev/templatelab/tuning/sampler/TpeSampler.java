package dev.templatelab.tuning.sampler;

import dev.templatelab.tuning.sampler.ConditionalSampling.Observation;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.study.Direction;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.StudyView;
import dev.templatelab.tuning.study.TrialState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011) as Optuna's univariate TPE: the first
 * {@code startupTrials} draws of a parameter are random; after that the finished trials that had it are split
 * into the best {@code gamma(n)} ("below") and the rest, a {@link ParzenEstimator} l(x) is fitted to the first
 * and g(x) to the second, {@code eiCandidates} values are drawn from l and the one with the largest l(x)/g(x)
 * is taken. Pruned trials count too, ranked after complete ones by how far they got and their last value.
 */
public final class TpeSampler implements Sampler {

    /** Optuna's default gamma: the best 10% of trials, at most 25. */
    public static final IntUnaryOperator DEFAULT_GAMMA = n -> Math.min((int) Math.ceil(0.1 * n), 25);

    private final long seed;
    private final int startupTrials;
    private final int eiCandidates;
    private final IntUnaryOperator gamma;
    private final double priorWeight;

    private TpeSampler(Builder b) {
        this.seed = b.seed;
        this.startupTrials = b.startupTrials;
        this.eiCandidates = b.eiCandidates;
        this.gamma = b.gamma;
        this.priorWeight = b.priorWeight;
    }

    /** Optuna's defaults: 10 random startup trials, 24 candidates, default gamma, prior weight 1. */
    public TpeSampler(long seed) {
        this(builder(seed));
    }

    /** A builder seeded with {@code seed}. */
    public static Builder builder(long seed) {
        return new Builder(seed);
    }

    @Override
    public Sample sample(StudyView study, int trialNumber) {
        return ConditionalSampling.sample(study, trialNumber, seed, true, this::sampleParameter);
    }

    private Object sampleParameter(StudyView study, List<Observation> history, Distribution d, SplittableRandom random) {
        if (history.size() < startupTrials) {
            return RandomSampler.draw(d, random);
        }
        int below = Math.min(gamma.applyAsInt(history.size()), history.size());
        List<Observation> ranked = new ArrayList<>(history);
        ranked.sort(bestFirst(study.direction()));
        List<Observation> good = byNumber(ranked.subList(0, below));
        List<Observation> bad = byNumber(ranked.subList(below, ranked.size()));
        ParzenEstimator l = new ParzenEstimator(d, values(good), priorWeight);
        ParzenEstimator g = new ParzenEstimator(d, values(bad), priorWeight);
        Object best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (Object candidate : l.sample(random, eiCandidates)) {
            double score = l.logPdf(candidate) - g.logPdf(candidate);
            if (best == null || score > bestScore) {
                best = candidate;
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * Complete trials by value, then pruned (or held) ones by the last epoch they reached (further is better) and their
     * value there (Optuna's ranking for its below/above split).
     */
    private static Comparator<Observation> bestFirst(Direction direction) {
        return Comparator.<Observation>comparingInt(o -> o.trial().state() == TrialState.COMPLETE ? 0 : 1)
                .thenComparingInt(o -> o.trial().state() == TrialState.COMPLETE ? 0 : -o.trial().lastStep().orElse(-1))
                .thenComparing((x, y) -> direction.compareBestFirst(score(x.trial()), score(y.trial())));
    }

    private static double score(FrozenTrial t) {
        if (t.state() == TrialState.COMPLETE) {
            return t.value();
        }
        return t.intermediateValues().isEmpty() ? Double.NaN : t.intermediateValues().get(t.intermediateValues().lastKey());
    }

    private static List<Observation> byNumber(List<Observation> observations) {
        return observations.stream().sorted(Comparator.comparingInt(o -> o.trial().number())).toList();
    }

    private static List<Object> values(List<Observation> observations) {
        return observations.stream().map(Observation::value).toList();
    }

    /** Settings of a {@link TpeSampler}; defaults are Optuna's. */
    public static final class Builder {
        private final long seed;
        private int startupTrials = 10;
        private int eiCandidates = 24;
        private IntUnaryOperator gamma = DEFAULT_GAMMA;
        private double priorWeight = 1.0;

        private Builder(long seed) {
            this.seed = seed;
        }

        /** Random draws before the model is used (per parameter, counting finished trials that had it). */
        public Builder optStartupTrials(int n) {
            this.startupTrials = n;
            return this;
        }

        /** Candidates drawn from l(x) per parameter. */
        public Builder optEiCandidates(int n) {
            this.eiCandidates = n;
            return this;
        }

        /** How many of n trials are "good". */
        public Builder optGamma(IntUnaryOperator gamma) {
            this.gamma = gamma;
            return this;
        }

        /** The prior kernel's weight relative to one observation. */
        public Builder optPriorWeight(double weight) {
            this.priorWeight = weight;
            return this;
        }

        /** The sampler, or an error naming the invalid setting. */
        public TpeSampler build() {
            if (startupTrials < 0) {
                throw new IllegalArgumentException("startupTrials must be >= 0, got " + startupTrials);
            }
            if (eiCandidates < 1) {
                throw new IllegalArgumentException("eiCandidates must be >= 1, got " + eiCandidates);
            }
            if (!(priorWeight > 0)) {
                throw new IllegalArgumentException("priorWeight must be > 0, got " + priorWeight);
            }
            return new TpeSampler(this);
        }
    }
}
