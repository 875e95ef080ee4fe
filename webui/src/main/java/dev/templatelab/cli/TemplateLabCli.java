package dev.templatelab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./templatelab <command>}: the command-line entry point of the TemplateLab jar. */
@Command(name = "templatelab", mixinStandardHelpOptions = true, version = "TemplateLab 0.1.0",
        description = "AutoML lab for image classification: train, tune and compare five templates.",
        subcommands = {TemplatesCommand.class, HyperparametersCommand.class, TrainCommand.class, EvaluateCommand.class, PredictCommand.class,
                InferCommand.class, ExportCommand.class, PretrainCommand.class, WeightsCommand.class, SampleCommand.class, BenchCommand.class, GpuCheckCommand.class,
                TuneCommand.class, WorkerCommand.class, ServeCommand.class,
                CommandLine.HelpCommand.class})
public final class TemplateLabCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new TemplateLabCli());
        // A failure is one line saying what is wrong and what to do, not a stack trace: exit code 2 for bad input,
        // 1 for the rest (TEMPLATELAB_DEBUG=1 prints the trace too).
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (isBadInput(e)) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 2;
            }
            Throwable cause = explainingCause(e);
            commandLine.getErr().println("error: " + describe(cause) + hint(e));
            if (System.getenv("TEMPLATELAB_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            } else {
                commandLine.getErr().println("(TEMPLATELAB_DEBUG=1 prints the stack trace)");
            }
            return isBadInput(cause) ? 2 : 1;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            cli.getErr().println("error: out of memory (" + e.getMessage() + "); lower batch_size or image_size, or "
                    + "give the JVM more: TEMPLATELAB_JAVA_OPTS=\"-Xmx8g -Dorg.bytedeco.javacpp.maxbytes=16G\"");
            return 1;
        } catch (LinkageError e) {   // ND4J's native libraries on a machine they do not support, say
            cli.getErr().println("error: a library could not be loaded: " + describe(explainingCause(e))
                    + "; the CPU build runs on Linux x86-64 (see README, Build and run; -Pcuda for NVIDIA GPUs)");
            if (System.getenv("TEMPLATELAB_DEBUG") != null) {
                e.printStackTrace(cli.getErr());
            }
            return 1;
        }
    }

    private static boolean isBadInput(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof dev.templatelab.training.data.DatasetException
                || e instanceof java.nio.file.NoSuchFileException
                || e instanceof dev.templatelab.training.fit.TrainingDivergedException;   // hyperparameters to fix
    }

    /**
     * The exception that says best what went wrong: the outermost one TemplateLab threw (its messages name files and
     * options), else the innermost (a driver's "connection refused" rather than the layers of Spring's startup).
     */
    private static Throwable explainingCause(Throwable e) {
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            StackTraceElement[] trace = t.getStackTrace();
            if (trace.length > 0 && trace[0].getClassName().startsWith("dev.templatelab.") && t.getMessage() != null) {
                return t;
            }
            root = t;
        }
        return root;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /** What to do about failures whose message does not say. */
    private static String hint(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException || t instanceof java.net.ConnectException
                    || t instanceof java.net.UnknownHostException) {
                return "; check the database URL (--db / DATABASE_URL), DATABASE_USER and DATABASE_PASSWORD, and that "
                        + "the server is running and reachable from here";
            }
        }
        return "";
    }
}
