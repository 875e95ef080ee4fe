package dev.templatelab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code bench/parity/torch_reference.py}, or another script, with a Python that has PyTorch (Debian's {@code /usr/bin/python3}
 * with python3-torch and python3-torchvision, installed by {@code .ci/run}). Without one the test fails and says
 * how to get it; it is never skipped.
 */
final class TorchScript {

    private TorchScript() {
    }

    static void run(String... args) throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("bench/parity/torch_reference.py"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("bench/parity/torch_reference.py above %s", Path.of("").toAbsolutePath()).isNotNull();
        runScript(dir.resolve("bench/parity/torch_reference.py"), args);
    }

    /** Runs {@code script args...} with that Python; returns what it printed, and fails showing it unless it exits 0. */
    static String runScript(Path script, String... args) throws Exception {
        List<String> tried = new ArrayList<>();
        for (String python : List.of("/usr/bin/python3", "python3")) {
            try {
                Process check = new ProcessBuilder(python, "-c", "import torch, torchvision, numpy").redirectErrorStream(true).start();
                String why = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (!check.waitFor(120, TimeUnit.SECONDS) || check.exitValue() != 0) {
                    tried.add(python + ": " + why.lines().reduce((a, b) -> b).orElse("failed"));
                    continue;
                }
            } catch (IOException e) {
                tried.add(python + ": " + e.getMessage());
                continue;
            }
            List<String> command = new ArrayList<>(List.of(python, script.toString()));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean done = p.waitFor(300, TimeUnit.SECONDS);
            assertThat(done && p.exitValue() == 0).as("%s failed:%n%s", String.join(" ", command), out).isTrue();
            return out;
        }
        throw new AssertionError("these tests need Python 3 with torch, torchvision and numpy (Debian: apt-get install "
                + "python3-torch python3-torchvision python3-numpy, as .ci/run does); tried " + String.join("; ", tried));
    }
}
