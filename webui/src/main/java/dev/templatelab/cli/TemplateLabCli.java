package dev.templatelab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./templatelab <command>}: the command-line entry point of the TemplateLab jar. */
@Command(name = "templatelab", mixinStandardHelpOptions = true, version = "TemplateLab 0.1.0",
        description = "AutoML lab for image classification: train, tune and compare five templates.",
        subcommands = {TemplatesCommand.class, HyperparametersCommand.class, TrainCommand.class, EvaluateCommand.class, PredictCommand.class,
                InferCommand.class, PretrainCommand.class, WeightsCommand.class, SampleCommand.class, BenchCommand.class, GpuCheckCommand.class,
                TuneCommand.class, WorkerCommand.class, ServeCommand.class,
                CommandLine.HelpCommand.class})
public final class TemplateLabCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new TemplateLabCli());
        // Bad input is a message and exit code 2, not a stack trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof dev.templatelab.training.data.DatasetException
                    || e instanceof java.nio.file.NoSuchFileException
                    || e instanceof dev.templatelab.training.fit.TrainingDivergedException) {   // hyperparameters to fix
                commandLine.getErr().println("error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
