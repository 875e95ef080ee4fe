package dev.templatelab.cli;

import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.hyper.HyperparameterDef;
import dev.templatelab.training.hyper.HyperparameterSchema;
import dev.templatelab.training.hyper.Hyperparameters;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists every hyperparameter with a template's default and the allowed values. */
@Command(name = "hyperparameters", mixinStandardHelpOptions = true,
        description = "List the training hyperparameters (Clarifai names) with a template's defaults and allowed values.")
final class HyperparametersCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--template", defaultValue = "MMClassification_ResNet_50_RSB_A1",
            description = "Template whose defaults to show (default: ${DEFAULT-VALUE}).")
    String template;

    @Override
    public Integer call() {
        Template t = TemplateRegistry.standard().get(template);
        Hyperparameters defaults = HyperparameterSchema.resolve(t, Map.of());
        var out = command.commandLine().getOut();
        out.printf("%-28s %-14s %-36s %s%n", "name", "default", "allowed", "meaning");
        for (HyperparameterDef def : HyperparameterSchema.definitions()) {
            HyperparameterDef d = HyperparameterSchema.definition(t.name(), def.name());
            out.printf("%-28s %-14s %-36s %s%n", d.name(), defaults.values().get(d.name()), d.allowed(), d.description());
        }
        out.printf("(defaults of %s; set with --set name=value)%n", t.name());
        return 0;
    }
}
