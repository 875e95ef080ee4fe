package dev.templatelab.tuning.sampler;

import java.util.SplittableRandom;

/** Random streams derived from (seed, trial, parameter), so one parameter's draws don't shift when another is added. */
final class Seeds {

    private Seeds() {
    }

    static SplittableRandom stream(long seed, int trialNumber, String parameter) {
        long h = mix(seed);
        h = mix(h ^ trialNumber);
        h = mix(h ^ parameter.hashCode());
        return new SplittableRandom(h);
    }

    /** SplitMix64's finaliser: every input bit affects every output bit. */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
