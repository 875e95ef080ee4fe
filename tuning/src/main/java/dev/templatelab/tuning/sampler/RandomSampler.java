package dev.templatelab.tuning.sampler;

import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.FloatDistribution;
import dev.templatelab.tuning.space.IntDistribution;
import dev.templatelab.tuning.study.StudyView;
import java.util.SplittableRandom;

/** Independent uniform draws (log-uniform for log ranges, uniform over grid points for stepped ones). */
public final class RandomSampler implements Sampler {

    private final long seed;

    /** A sampler whose draws depend only on {@code seed}, the trial number and the parameter name. */
    public RandomSampler(long seed) {
        this.seed = seed;
    }

    @Override
    public Sample sample(StudyView study, int trialNumber) {
        return ConditionalSampling.sample(study, trialNumber, seed, false, (s, history, d, random) -> draw(d, random));
    }

    /** One uniform draw from {@code d}. */
    static Object draw(Distribution d, SplittableRandom random) {
        if (d instanceof FloatDistribution f) {
            if (f.log()) {
                return f.fromInternal(Math.exp(uniform(random, Math.log(f.low()), Math.log(f.high()))));
            }
            return f.step() != null ? f.gridPoint(random.nextLong(f.gridSize())) : f.fromInternal(uniform(random, f.low(), f.high()));
        }
        if (d instanceof IntDistribution i) {
            // Optuna's log-int: log-uniform over [low - 0.5, high + 0.5], so the end values get their full share.
            return i.log() ? i.fromInternal(Math.exp(uniform(random, Math.log(i.low() - 0.5), Math.log(i.high() + 0.5))))
                    : i.gridPoint(random.nextLong(i.gridSize()));
        }
        CategoricalDistribution c = (CategoricalDistribution) d;
        return c.choices().get(random.nextInt(c.choices().size()));
    }

    private static double uniform(SplittableRandom random, double low, double high) {
        return low + random.nextDouble() * (high - low);
    }
}
