package dev.templatelab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.architectures.TemplateSpec;
import dev.templatelab.architectures.stats.ModelStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Lists the templates with their size and cost for a given number of classes and input size. */
@Command(name = "templates", mixinStandardHelpOptions = true,
        description = "List the templates with trainable parameters and multiply-accumulates per image.")
final class TemplatesCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--classes", defaultValue = "1000", description = "Number of classes (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--size", defaultValue = "224", description = "Square input size in pixels (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--width-multiplier", defaultValue = "1.0",
            description = "Channel multiplier; 1.0 is the published network (default: ${DEFAULT-VALUE}).")
    double widthMultiplier;

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (classes < 1) {   // the spec would say "numClasses", which is no option of this command
            throw new IllegalArgumentException("--classes must be at least 1, got " + classes);
        }
        TemplateSpec spec = TemplateSpec.of(classes, size).withWidthMultiplier(widthMultiplier);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Template template : TemplateRegistry.standard().list()) {
            TemplateGraph graph = template.build(spec);
            ModelStats stats = ModelStats.of(graph, graph.newNetwork(0));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", template.name());
            row.put("params", stats.trainableParams());
            row.put("macs", stats.macs());
            row.put("pretrained", template.defaults().pretrained());
            row.put("defaultImageSize", template.defaults().data().imageSize());
            row.put("description", template.description());
            row.put("backboneBlocks", template.backboneBlocks());   // what --set frozen_blocks=N counts
            rows.add(row);
        }
        var out = command.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows));
        } else {
            out.printf("%-38s %14s %10s  %s%n", "template", "params", "GMACs", "description");
            for (Map<String, Object> r : rows) {
                out.printf("%-38s %,14d %10.2f  %s%n", r.get("name"), (Long) r.get("params"),
                        (Long) r.get("macs") / 1e9, r.get("description"));
            }
            out.printf("(%d classes, %dx%d input, width multiplier %s)%n", classes, size, size, widthMultiplier);
            out.println("backbone blocks (--set frozen_blocks=N freezes the first N):");
            for (Template template : TemplateRegistry.standard().list()) {
                out.printf("  %-36s %s%n", template.name(), String.join(" ", template.backboneBlocks()));
            }
        }
        return 0;
    }
}
