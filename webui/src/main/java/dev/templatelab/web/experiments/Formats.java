package dev.templatelab.web.experiments;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** How numbers, durations and sizes read in the UI. */
public final class Formats {

    private Formats() {
    }

    /** "93.4 %" for an accuracy-like value in [0, 1], else the number with 4 decimals; "-" for null. */
    public static String objective(Double value, boolean fraction) {
        if (value == null) {
            return "-";
        }
        return fraction ? String.format(Locale.ROOT, "%.1f %%", value * 100) : String.format(Locale.ROOT, "%.4f", value);
    }

    /** "1 epoch", "4 epochs": {@code noun} in the singular, an "s" added for any count but one. */
    public static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** "1 h 02 min", "3 min 05 s", "12 s"; "-" when not started. */
    public static String duration(Instant from, Instant to) {
        if (from == null) {
            return "-";
        }
        return duration(Duration.between(from, to == null ? Instant.now() : to));
    }

    /** "2 h 05 min", "3 min 07 s", "12 s". */
    public static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return s + " s";
    }

    /** "1.2 MB", "340 KB", "12 B". */
    public static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GB", n / (double) (1L << 30));
        }
        if (n >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MB", n / (double) (1L << 20));
        }
        if (n >= 1L << 10) {
            return String.format(Locale.ROOT, "%.0f KB", n / 1024.0);
        }
        return n + " B";
    }

    /** "2026-11-28 18:54" in UTC: a list's column, where the seconds only take room. */
    public static String minute(Instant t) {
        return t == null ? "-" : time(t).substring(0, 16);
    }

    /** "2026-11-28 18:54:30" in UTC. */
    public static String time(Instant t) {
        return t == null ? "-" : t.toString().substring(0, 19).replace('T', ' ');
    }
}
