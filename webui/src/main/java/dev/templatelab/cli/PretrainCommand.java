package dev.templatelab.cli;

import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.TrainingJob;
import dev.templatelab.training.fit.CancellationToken;
import dev.templatelab.training.transfer.KerasWeightsImport;
import dev.templatelab.training.transfer.WeightsRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains a template's backbone on a source dataset (or imports a Keras .h5) and registers it as pretrained weights. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Train a template on a source dataset from random weights and register it as pretrained weights.",
                "With --keras FILE.h5 instead of --data: copy a Keras model's weights onto the template's backbone "
                        + "(layer names and shapes must match; --set width_multiplier=... picks the width) and register them."})
final class PretrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--template", required = true, description = "Template to pretrain (see 'templates').")
    String template;

    @Option(names = "--data", description = "Source dataset (folder, zip or CSV manifest).")
    Path data;

    @Option(names = "--keras", description = "Keras 2 .h5 model whose layers are named like the template's backbone.")
    Path keras;

    @Option(names = "--name", required = true, description = "Name for --set pretrained_weights=NAME later.")
    String name;

    @Option(names = "--replace", description = "Replace weights already registered under --name (refused otherwise).")
    boolean replace;

    @Mixin
    HyperparameterOptions hyperparameters;

    @Override
    public Integer call() throws Exception {
        TemplateLabHome home = TemplateLabHome.fromEnvironment();
        if ((data == null) == (keras == null)) {
            throw new IllegalArgumentException("give exactly one of --data (train on a dataset) or --keras (import a .h5 file)");
        }
        String templateName = TemplateRegistry.standard().get(template).name();
        WeightsRegistry registry = new WeightsRegistry(home.weights());
        WeightsRegistry.IfRegistered ifRegistered = replace ? WeightsRegistry.IfRegistered.REPLACE
                : WeightsRegistry.IfRegistered.REFUSE;
        registry.requireRegistrable(templateName, name, ifRegistered);   // before hours of training, not after
        Map<String, String> values = hyperparameters.values();    // bad --set fails before anything is written
        if (keras != null) {
            KerasWeightsImport.Imported k = KerasWeightsImport.importH5(keras, templateName, name, values, home, ifRegistered);
            command.commandLine().getOut().printf("registered pretrained weights %s for %s from %s: %d backbone layers, "
                    + "%,d values -> %s (sha256 %s)%n", name, k.entry().template(), keras, k.layers(), k.values(),
                    k.entry().file(), k.entry().sha256());
            return 0;
        }
        Path work = Files.createDirectories(home.work().resolve("pretrain"));
        Path out = work.resolve(templateName + "-" + name + ".tlckpt");
        var log = command.commandLine().getOut();
        TrainingJob.Result r = TrainingJob.run(new TrainingJob.Request(templateName, data, values, out, true,
                false, home), log, List.of(), new CancellationToken());
        if (r.sha256() == null) {
            throw new IllegalStateException("pretraining produced no checkpoint; nothing registered");
        }
        WeightsRegistry.Entry e;
        try {
            e = registry.register(templateName, name, out, ifRegistered);
        } catch (WeightsRegistry.AlreadyRegisteredException taken) {   // by another process while this one trained
            throw new IllegalArgumentException(taken.getMessage() + "; the trained weights are kept at " + out
                    + ": register them with 'templatelab weights register --template " + templateName
                    + " --name OTHER --checkpoint " + out + "'", taken);
        }
        log.printf("registered pretrained weights %s for %s: %s (sha256 %s)%n", name, templateName, e.file(), e.sha256());
        if (r.evaluation() != null) {
            log.printf("source-task validation accuracy %.4f%n", r.evaluation().accuracy());
        }
        return 0;
    }
}
