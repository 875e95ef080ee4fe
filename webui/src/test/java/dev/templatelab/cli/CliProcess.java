package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** {@code templatelab} in a JVM of its own, for what only a real process shows: a signal and its shutdown hooks. */
final class CliProcess {

    private CliProcess() {
    }

    /**
     * Runs {@code templatelab args...} with {@code user.home} at {@code home} (so TEMPLATELAB_HOME's default lies
     * inside it; the environment's TEMPLATELAB_HOME and DATABASE_URL are left out) until {@code ready} holds for what
     * it printed so far, then sends it SIGTERM, which runs the same shutdown hooks as Ctrl-C. Returns all it printed.
     */
    static String interruptedWhen(Path home, Predicate<String> ready, String what, String... args) throws Exception {
        Path log = Files.createTempFile(home, "templatelab-", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Duser.home=" + home, "-cp", System.getProperty("java.class.path"),
                TemplateLabCli.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeAll(List.of("TEMPLATELAB_HOME", "DATABASE_URL"));
        Process process = builder.start();
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!ready.test(Files.readString(log))) {
                assertThat(process.isAlive()).as("templatelab %s runs; it said: %s", args[0], Files.readString(log))
                        .isTrue();
                assertThat(System.nanoTime()).as("%s in time", what).isLessThan(deadline);
                Thread.sleep(200);
            }
            process.destroy();   // SIGTERM
            assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("templatelab %s exits", args[0]).isTrue();
        } finally {
            process.destroyForcibly();
        }
        return Files.readString(log);
    }
}
