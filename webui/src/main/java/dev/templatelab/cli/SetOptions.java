package dev.templatelab.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses repeated {@code --set name=value} options into an ordered map, rejecting malformed ones. */
final class SetOptions {

    private SetOptions() {
    }

    static Map<String, String> parse(List<String> assignments) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String a : assignments == null ? List.<String>of() : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0 || eq == a.length() - 1) {
                throw new IllegalArgumentException("--set expects name=value, got '" + a + "'");
            }
            String name = a.substring(0, eq).trim();
            if (out.put(name, a.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("--set " + name + " given twice");
            }
        }
        return out;
    }
}
