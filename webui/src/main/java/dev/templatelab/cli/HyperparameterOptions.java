package dev.templatelab.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Fixed hyperparameters as repeated {@code --set name=value} (Clarifai names), shared by {@code train} and
 * {@code pretrain}. {@code tune}'s {@code --set} is a different syntax (ranges and choices, see
 * {@code SpaceOverrides}) and keeps its own option.
 */
final class HyperparameterOptions {

    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "Hyperparameter, Clarifai name: --set batch_size=32 (repeatable; see 'hyperparameters').")
    List<String> set;

    /** The {@code --set} values in the order given; malformed or repeated names are an error naming the entry. */
    Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        for (String a : set == null ? List.<String>of() : set) {
            int eq = a.indexOf('=');
            if (eq <= 0 || eq == a.length() - 1) {
                throw new IllegalArgumentException("--set expects name=value, got '" + a + "'");
            }
            String name = a.substring(0, eq).trim();
            if (values.put(name, a.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("--set " + name + " given twice");
            }
        }
        return values;
    }
}
