package dev.templatelab.web.experiments;

import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.FloatDistribution;
import dev.templatelab.tuning.space.IntDistribution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The search-space editor's text form, the CLI's syntax: {@code low..high}, {@code log:low..high},
 * {@code low..high:step}, {@code a,b,c} or one value. {@link #toJson} turns an edited text into the
 * request's JSON form (value | {"low","high","log","step"} | [choices]); tuning validates it.
 */
public final class SpaceText {

    private SpaceText() {
    }

    /** A distribution as the editor shows it. */
    public static String of(Distribution d) {
        if (d instanceof FloatDistribution f) {
            if (f.low() == f.high()) {
                return num(f.low());
            }
            return (f.log() ? "log:" : "") + num(f.low()) + ".." + num(f.high()) + (f.step() == null ? "" : ":" + num(f.step()));
        }
        if (d instanceof IntDistribution i) {
            if (i.low() == i.high()) {
                return Integer.toString(i.low());
            }
            return (i.log() ? "log:" : "") + i.low() + ".." + i.high() + (i.step() > 1 ? ":" + i.step() : "");
        }
        List<String> choices = new ArrayList<>();
        ((CategoricalDistribution) d).choices().forEach(c -> choices.add(String.valueOf(c)));
        return String.join(",", choices);
    }

    /** An edited text in the request's JSON form; a text without ".." or "," is one fixed value. */
    public static Object toJson(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty; give a value, low..high or a,b,c");
        }
        if (t.contains("..")) {
            Map<String, Object> range = new LinkedHashMap<>();
            String body = t;
            if (body.startsWith("log:") || body.startsWith("lin:")) {
                range.put("log", body.startsWith("log:"));
                body = body.substring(4);
            }
            String step = null;
            int colon = body.indexOf(':');
            if (colon >= 0) {
                step = body.substring(colon + 1);
                body = body.substring(0, colon);
            }
            String[] bounds = body.split("\\.\\.", -1);
            if (bounds.length != 2) {
                throw new IllegalArgumentException("'" + t + "' is not a range low..high");
            }
            range.put("low", scalar(bounds[0]));
            range.put("high", scalar(bounds[1]));
            if (step != null) {
                range.put("step", scalar(step));
            }
            return range;
        }
        if (t.contains(",")) {
            List<Object> choices = new ArrayList<>();
            for (String c : t.split(",", -1)) {
                choices.add(scalar(c));
            }
            return choices;
        }
        return scalar(t);
    }

    /** A number when it reads as one, true/false, else the text. */
    static Object scalar(String raw) {
        String s = raw.trim();
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException notInt) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException notNumber) {
                return s;
            }
        }
    }

    private static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replace(".e", "e")
                .replaceAll("\\.$", "");
    }
}
