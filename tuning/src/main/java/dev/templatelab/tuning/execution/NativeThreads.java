package dev.templatelab.tuning.execution;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many native (ND4J, BLAS, OpenMP) threads one trial may use. By default every ND4J process uses all cores,
 * so two trials at once on one machine (two worker threads, or two worker processes) ask for twice the cores
 * there are and slow each other down. A worker therefore gives each of its trials {@code cores / trials at once}
 * threads, at least one.
 *
 * <p>ND4J reads {@code OMP_NUM_THREADS} only when it loads; here the same limits are set at run time: the threads
 * one libnd4j op may use ({@code Environment.setMaxMasterThreads}, process-wide; the pool's size itself,
 * {@code setMaxThreads}, is fixed once loaded in 1.0.0-M2.1), the BLAS library's threads (process-wide) and
 * OpenMP's (used by oneDNN; that setting belongs to the calling thread, so each worker thread calls
 * {@link #applyToCurrentThread}).
 */
public final class NativeThreads {

    private static final Logger log = LoggerFactory.getLogger(NativeThreads.class);

    private NativeThreads() {
    }

    /**
     * Threads per trial, or 0 to leave ND4J's own default: {@code configured} if above 0; 0 if the user set
     * {@code OMP_NUM_THREADS} (ND4J read it already) or the process runs one trial at a time (ND4J then uses
     * the whole machine, as it should); else the machine's cores shared by the trials run at once, at least one each.
     */
    public static int perTrial(int configured, int trialsAtOnce, int cores, String ompNumThreads) {
        if (configured > 0) {
            return configured;
        }
        if ((ompNumThreads != null && !ompNumThreads.isBlank()) || trialsAtOnce <= 1) {
            return 0;
        }
        return Math.max(1, cores / trialsAtOnce);
    }

    /** Sets the process-wide limits (libnd4j pool, BLAS) and OpenMP's for the calling thread. */
    public static void applyProcessWide(int threads) {
        requirePositive(threads);
        try {
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            Nd4j.factory().blas().setMaxThreads(threads);
        } catch (RuntimeException | LinkageError e) {
            log.warn("Could not limit ND4J to {} thread(s) per trial: {}", threads, e.toString());
        }
        applyToCurrentThread(threads);
    }

    /** OpenMP's thread count for parallel regions started from the calling thread (oneDNN's layers). */
    public static void applyToCurrentThread(int threads) {
        requirePositive(threads);
        try {
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        } catch (RuntimeException | LinkageError e) {
            log.warn("Could not set OpenMP threads to {}: {}", threads, e.toString());
        }
    }

    /** What ND4J will use now, as seen from the calling thread: libnd4j pool limit and OpenMP's maximum. */
    public static String describe() {
        return "libnd4j threads per op " + Nd4j.getEnvironment().maxMasterThreads()
                + ", BLAS threads " + Nd4j.factory().blas().getMaxThreads() + ", OpenMP max threads "
                + NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    private static void requirePositive(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("native threads per trial must be at least 1, got " + threads);
        }
    }
}
