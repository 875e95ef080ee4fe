package dev.templatelab.training.pipeline;

/** Derives independent random streams from a base seed, so results never depend on thread scheduling. */
final class Seeds {

    private Seeds() {
    }

    /** A well-mixed 64-bit seed for the stream identified by {@code parts} under {@code seed}. */
    static long derive(long seed, long... parts) {
        long h = splitMix(seed);
        for (long part : parts) {
            h = splitMix(h ^ splitMix(part + 0x632BE59BD9B4E019L));
        }
        return h;
    }

    // SplitMix64 finaliser: a bijection with good avalanche, so nearby inputs give unrelated streams.
    private static long splitMix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
