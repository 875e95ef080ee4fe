package dev.templatelab.tuning.sampler;

import java.util.SplittableRandom;
import org.apache.commons.math3.special.Erf;

/**
 * The normal distribution truncated to [low, high]: log-density, log-mass of an interval and inverse-CDF
 * sampling. Log-masses stay finite far in the tails, where TPE compares kernels a hundred widths away.
 */
final class TruncatedNormal {

    private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
    private static final double SQRT2 = Math.sqrt(2);
    /** Beyond this many standard deviations erfc underflows; the asymptotic series takes over. */
    private static final double ASYMPTOTIC_FROM = 30;

    private TruncatedNormal() {
    }

    /** log density at x of N(mu, sigma) truncated to [low, high]. */
    static double logPdf(double x, double mu, double sigma, double low, double high) {
        double z = (x - mu) / sigma;
        return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - logMass((low - mu) / sigma, (high - mu) / sigma);
    }

    /** log P(lo < x < hi) under N(mu, sigma) truncated to [low, high]. */
    static double logIntervalMass(double lo, double hi, double mu, double sigma, double low, double high) {
        return logMass((lo - mu) / sigma, (hi - mu) / sigma) - logMass((low - mu) / sigma, (high - mu) / sigma);
    }

    /** A draw of N(mu, sigma) truncated to [low, high] (mu inside, as for every Parzen kernel). */
    static double sample(double mu, double sigma, double low, double high, SplittableRandom random) {
        double pa = phi((low - mu) / sigma);
        double pb = phi((high - mu) / sigma);
        double u = pa + random.nextDouble() * (pb - pa);
        double z = SQRT2 * Erf.erfInv(2 * u - 1);
        double x = mu + sigma * z;
        return Double.isNaN(x) ? mu : Math.max(low, Math.min(high, x));
    }

    /** log(Phi(b) - Phi(a)) for a <= b, computed on the side of the tail the interval lies in. */
    static double logMass(double a, double b) {
        if (a >= 0) {
            double la = logUpperTail(a);
            double lb = logUpperTail(b);
            return la + Math.log1p(-Math.exp(lb - la));
        }
        if (b <= 0) {
            return logMass(-b, -a);
        }
        return Math.log1p(-(Math.exp(logUpperTail(b)) + Math.exp(logUpperTail(-a))));
    }

    /** Phi(z). */
    static double phi(double z) {
        return 0.5 * Erf.erfc(-z / SQRT2);
    }

    /** log(1 - Phi(z)) for z >= 0. */
    private static double logUpperTail(double z) {
        if (z == Double.POSITIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        if (z < ASYMPTOTIC_FROM) {
            return Math.log(0.5 * Erf.erfc(z / SQRT2));
        }
        // Mills ratio: 1 - Phi(z) ~ phi(z)/z * (1 - 1/z^2 + 3/z^4)
        double z2 = z * z;
        return -0.5 * z2 - Math.log(z) - LOG_SQRT_2PI + Math.log1p(-1 / z2 + 3 / (z2 * z2));
    }
}
