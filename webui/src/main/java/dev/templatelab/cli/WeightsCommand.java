package dev.templatelab.cli;

import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.transfer.WeightsRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The local registry of pretrained backbones. */
@Command(name = "weights", mixinStandardHelpOptions = true, description = "List or register pretrained weights.",
        subcommands = {WeightsCommand.ListWeights.class, WeightsCommand.Register.class})
final class WeightsCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List registered pretrained weights.")
    static final class ListWeights implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Option(names = "--template", description = "Only this template.")
        String template;

        @Override
        public Integer call() throws Exception {
            WeightsRegistry registry = new WeightsRegistry(TemplateLabHome.fromEnvironment().weights());
            List<String> templates = template != null ? List.of(TemplateRegistry.standard().get(template).name())
                    : TemplateRegistry.standard().names();
            var out = command.commandLine().getOut();
            int n = 0;
            for (String t : templates) {
                for (WeightsRegistry.Entry e : registry.list(t)) {
                    out.printf("%-38s %-24s %d classes  sha256 %s%n", t, e.name(), e.sourceLabels().size(), e.sha256());
                    n++;
                }
            }
            if (n == 0) {
                out.println("no pretrained weights registered under " + TemplateLabHome.fromEnvironment().weights()
                        + " (use 'templatelab pretrain' or 'templatelab weights register')");
            }
            return 0;
        }
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = "Register a TemplateLab checkpoint as pretrained weights of its template.")
    static final class Register implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Option(names = "--template", required = true)
        String template;

        @Option(names = "--name", required = true, description = "Name to use with --set pretrained_weights=NAME.")
        String name;

        @Option(names = "--checkpoint", required = true)
        Path checkpoint;

        @Override
        public Integer call() throws Exception {
            String t = TemplateRegistry.standard().get(template).name();
            WeightsRegistry.Entry e = new WeightsRegistry(TemplateLabHome.fromEnvironment().weights()).register(t, name, checkpoint);
            command.commandLine().getOut().printf("registered %s / %s -> %s (sha256 %s)%n", t, name, e.file(), e.sha256());
            return 0;
        }
    }
}
