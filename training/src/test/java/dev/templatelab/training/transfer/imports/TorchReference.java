package dev.templatelab.training.transfer.imports;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code bench/parity/torch_reference.py} with a Python that has PyTorch: Debian's
 * {@code /usr/bin/python3} with {@code python3-torch python3-torchvision} ({@code .ci/run} installs them).
 * Without it the parity tests fail and say so; they are never skipped.
 */
final class TorchReference {

    private static String python;

    private TorchReference() {
    }

    static Path script() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("bench/parity/torch_reference.py"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("bench/parity/torch_reference.py not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("bench/parity/torch_reference.py");
    }

    /** A Python interpreter that imports torch and torchvision, or an assertion error explaining how to get one. */
    static synchronized String python() throws Exception {
        if (python != null) {
            return python;
        }
        List<String> tried = new ArrayList<>();
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import torch, torchvision, numpy")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    python = candidate;
                    return python;
                }
                tried.add(candidate + ": " + out.strip().lines().reduce((a, b) -> b).orElse("exit " + p.exitValue()));
            } catch (IOException e) {
                tried.add(candidate + ": " + e.getMessage());
            }
        }
        throw new AssertionError("the PyTorch parity tests need Python 3 with torch, torchvision and numpy "
                + "(Debian: apt-get install python3-torch python3-torchvision python3-numpy, as .ci/run does); tried "
                + String.join("; ", tried));
    }

    /** Runs the script with {@code args}; fails the test with the script's output if it fails. */
    static void run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(python(), script().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = p.waitFor(300, TimeUnit.SECONDS);
        assertThat(done && p.exitValue() == 0).as("%s failed:%n%s", String.join(" ", command), out).isTrue();
    }
}
