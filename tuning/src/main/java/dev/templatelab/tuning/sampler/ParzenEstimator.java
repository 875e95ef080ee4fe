package dev.templatelab.tuning.sampler;

import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.FloatDistribution;
import dev.templatelab.tuning.space.IntDistribution;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One parameter's Parzen estimator as Optuna builds it for univariate TPE: a weighted mixture of one kernel per
 * observation plus a prior kernel. Numbers get truncated normals in internal space (log space for log ranges,
 * bounds widened by half a step for stepped ones) with Optuna's bandwidth: the larger gap to a neighbour,
 * clipped to [range / min(100, 1 + kernels), range] (the "magic clip"); the prior is centred with the whole
 * range as width. Categoricals get smoothed counts: each kernel puts 1 on its choice plus prior / kernels on
 * every choice.
 */
final class ParzenEstimator {

    private final Distribution distribution;
    private final double[] weights;
    // numeric
    private final double[] mus;
    private final double[] sigmas;
    private final double low;
    private final double high;
    private final double step;
    private final boolean log;
    // categorical: the mixture collapsed to one probability per choice
    private final double[] choiceProbabilities;

    /**
     * @param observed    the observations' values (typed), ordered by trial number (older first)
     * @param priorWeight the prior kernel's weight relative to an observation's
     */
    ParzenEstimator(Distribution distribution, List<Object> observed, double priorWeight) {
        this.distribution = distribution;
        int n = observed.size();
        double[] w = Arrays.copyOf(observationWeights(n), n + 1);
        w[n] = n == 0 ? 1 : priorWeight;
        double sum = Arrays.stream(w).sum();
        for (int i = 0; i <= n; i++) {
            w[i] /= sum;
        }
        this.weights = w;
        if (distribution instanceof CategoricalDistribution c) {
            this.mus = null;
            this.sigmas = null;
            this.low = this.high = this.step = 0;
            this.log = false;
            this.choiceProbabilities = categorical(c, observed, w, priorWeight);
            return;
        }
        this.choiceProbabilities = null;
        double lo;
        double hi;
        double st;
        if (distribution instanceof FloatDistribution f) {
            lo = f.low();
            hi = f.high();
            st = f.step() == null ? 0 : f.step();
            log = f.log();
        } else {
            IntDistribution i = (IntDistribution) distribution;
            lo = i.low();
            hi = i.high();
            st = i.step();
            log = i.log();
        }
        this.step = st;
        this.low = transform(lo - st / 2);
        this.high = transform(hi + st / 2);
        this.mus = new double[n + 1];
        for (int i = 0; i < n; i++) {
            mus[i] = transform(distribution.toInternal(observed.get(i)));
        }
        mus[n] = 0.5 * (low + high);
        this.sigmas = bandwidths(Arrays.copyOf(mus, n), low, high);
    }

    /**
     * Optuna's default weights: equal up to 25 observations; beyond, the 25 newest weigh 1 and older ones
     * ramp down linearly to 1/n, so early, random trials count less.
     */
    static double[] observationWeights(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0);
        int ramp = n - 25;
        for (int i = 0; i < ramp; i++) {
            w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1 - 1.0 / n) * i / (ramp - 1);
        }
        return w;
    }

    /** Draws {@code count} values (typed) from the mixture. */
    Object[] sample(SplittableRandom random, int count) {
        Object[] out = new Object[count];
        for (int k = 0; k < count; k++) {
            if (choiceProbabilities != null) {
                out[k] = distribution.fromInternal(pick(choiceProbabilities, random));
            } else {
                int j = pick(weights, random);
                double x = untransform(TruncatedNormal.sample(mus[j], sigmas[j], low, high, random));
                out[k] = distribution.fromInternal(x);
            }
        }
        return out;
    }

    /** log of the mixture's density (numbers) or probability (categorical, stepped) at a typed value. */
    double logPdf(Object value) {
        double internal = distribution.toInternal(value);
        if (choiceProbabilities != null) {
            return Math.log(choiceProbabilities[(int) internal]);
        }
        double[] terms = new double[mus.length];
        for (int j = 0; j < mus.length; j++) {
            double kernel = step > 0
                    ? TruncatedNormal.logIntervalMass(transform(internal - step / 2), transform(internal + step / 2),
                    mus[j], sigmas[j], low, high)
                    : TruncatedNormal.logPdf(transform(internal), mus[j], sigmas[j], low, high);
            terms[j] = Math.log(weights[j]) + kernel;
        }
        return logSumExp(terms);
    }

    private double transform(double x) {
        return log ? Math.log(x) : x;
    }

    private double untransform(double x) {
        return log ? Math.exp(x) : x;
    }

    /** Each kernel's width: the larger gap to its neighbours (prior and bounds included), clipped. */
    private static double[] bandwidths(double[] observed, double low, double high) {
        int n = observed.length;
        double prior = 0.5 * (low + high);
        double[] withPrior = Arrays.copyOf(observed, n + 1);
        withPrior[n] = prior;
        Integer[] order = new Integer[n + 1];
        for (int i = 0; i <= n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(withPrior[x], withPrior[y]));
        double[] sorted = new double[n + 3];
        sorted[0] = low;
        for (int i = 0; i <= n; i++) {
            sorted[i + 1] = withPrior[order[i]];
        }
        sorted[n + 2] = high;
        double[] sortedSigmas = new double[n + 1];
        for (int i = 1; i <= n + 1; i++) {
            sortedSigmas[i - 1] = Math.max(sorted[i] - sorted[i - 1], sorted[i + 1] - sorted[i]);
        }
        // Optuna's consider_endpoints=False: the outermost kernels ignore the gap to the bound.
        if (n + 3 >= 4) {
            sortedSigmas[0] = sorted[2] - sorted[1];
            sortedSigmas[n] = sorted[n + 1] - sorted[n];
        }
        double range = high - low;
        double maxSigma = range;
        double minSigma = range / Math.min(100.0, 1.0 + (n + 1));
        double[] sigmas = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            sigmas[order[i]] = Math.max(minSigma, Math.min(maxSigma, sortedSigmas[i]));
        }
        sigmas[n] = range; // the prior spans the whole range
        return sigmas;
    }

    private static double[] categorical(CategoricalDistribution c, List<Object> observed, double[] w, double priorWeight) {
        int k = c.choices().size();
        int n = observed.size();
        double[] p = new double[k];
        if (n == 0) {
            Arrays.fill(p, 1.0 / k);
            return p;
        }
        int kernels = n + 1;
        for (int j = 0; j < kernels; j++) {
            double[] row = new double[k];
            Arrays.fill(row, priorWeight / kernels);
            if (j < n) {
                row[(int) c.toInternal(observed.get(j))] += 1;
            }
            double rowSum = Arrays.stream(row).sum();
            for (int i = 0; i < k; i++) {
                p[i] += w[j] * row[i] / rowSum;
            }
        }
        return p;
    }

    private static int pick(double[] probabilities, SplittableRandom random) {
        double u = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < probabilities.length; i++) {
            cumulative += probabilities[i];
            if (u < cumulative) {
                return i;
            }
        }
        return probabilities.length - 1;
    }

    private static double logSumExp(double[] terms) {
        double max = Arrays.stream(terms).max().orElse(Double.NEGATIVE_INFINITY);
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (double t : terms) {
            sum += Math.exp(t - max);
        }
        return max + Math.log(sum);
    }
}
