package dev.templatelab.cli;

import dev.templatelab.architectures.Template;
import dev.templatelab.architectures.TemplateRegistry;
import dev.templatelab.training.TemplateLabHome;
import dev.templatelab.training.checkpoint.Checkpoints;
import dev.templatelab.training.transfer.WeightsRegistry;
import dev.templatelab.training.transfer.imports.SafetensorsReader;
import dev.templatelab.training.transfer.imports.SourceTensor;
import dev.templatelab.training.transfer.imports.WeightsFormat;
import dev.templatelab.training.transfer.imports.WeightsImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The local registry of pretrained backbones. */
@Command(name = "weights", mixinStandardHelpOptions = true,
        description = "List, register or import (from PyTorch safetensors/npz) pretrained weights.",
        subcommands = {WeightsCommand.ListWeights.class, WeightsCommand.Register.class, WeightsCommand.Import.class})
final class WeightsCommand {

    /** The registry under TEMPLATELAB_HOME/weights, where {@code --set pretrained_weights=NAME} looks. */
    private static WeightsRegistry localRegistry() {
        return new WeightsRegistry(TemplateLabHome.fromEnvironment().weights());
    }

    /** {@code --replace}: an existing name is replaced only when asked, since experiments may use those weights. */
    static final class ReplaceOption {
        @Option(names = "--replace", description = "Replace weights already registered under --name (refused otherwise).")
        boolean replace;

        WeightsRegistry.IfRegistered ifRegistered() {
            return replace ? WeightsRegistry.IfRegistered.REPLACE : WeightsRegistry.IfRegistered.REFUSE;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List registered pretrained weights.")
    static final class ListWeights implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Option(names = "--template", description = "Only this template.")
        String template;

        @Override
        public Integer call() throws Exception {
            WeightsRegistry registry = localRegistry();
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
                        + " (use 'templatelab weights import', 'templatelab pretrain' or 'templatelab weights register')");
            }
            return 0;
        }
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = "Register a TemplateLab checkpoint as pretrained weights of its template.")
    static final class Register implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Option(names = "--template", required = true, description = "Template the checkpoint was trained as "
                + "(see 'templates').")
        String template;

        @Option(names = "--name", required = true, description = "Name to use with --set pretrained_weights=NAME.")
        String name;

        @Option(names = "--checkpoint", required = true, description = "Checkpoint written by 'train' (or 'pretrain'); "
                + "it is copied into the registry.")
        Path checkpoint;

        @Mixin
        ReplaceOption replace;

        @Override
        public Integer call() throws Exception {
            String t = TemplateRegistry.standard().get(template).name();
            WeightsRegistry.Entry e = localRegistry().register(t, name, checkpoint, replace.ifRegistered());
            command.commandLine().getOut().printf("registered %s / %s -> %s (sha256 %s)%n", t, name, e.file(), e.sha256());
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Import a PyTorch state dict (safetensors or npz) as a template's pretrained weights: every "
                    + "tensor is mapped by name and checked by shape, the result is written as a checkpoint (with the "
                    + "source file's SHA-256 and the mapping used) and registered for --set pretrained_weights=NAME.",
                    "Names read: torchvision/timm for MMClassification_ResNet_50_RSB_A1 and Clarifai_ResNext, Cadene's "
                    + "bninception for Clarifai_InceptionBatchNorm (and the backbone of "
                    + "Clarifai_InceptionTransferEmbedNorm), TF-slim scopes for Clarifai_InceptionV2 (see README)."})
    static final class Import implements Callable<Integer> {
        @Spec
        CommandSpec command;

        @Option(names = "--template", required = true, description = "Template whose layers the state dict fills "
                + "(see 'templates').")
        String template;

        @Option(names = "--file", required = true, description = "The state dict: .safetensors or .npz.")
        Path file;

        @Option(names = "--format", description = "safetensors or npz (default: from the file's extension).")
        String format;

        @Option(names = "--name", description = "Registry name for --set pretrained_weights=NAME "
                + "(default: the file's name without extension).")
        String name;

        @Option(names = "--labels", description = "Text file with one class name per line, in output order "
                + "(default: class_0, class_1, ...).")
        Path labels;

        @Option(names = "--size", defaultValue = "224", description = "Input size recorded in the checkpoint "
                + "(default: ${DEFAULT-VALUE}; the network itself runs at any size).")
        int size;

        @Option(names = "--out", required = true, description = "Checkpoint file to write.")
        Path out;

        @Mixin
        ReplaceOption replace;

        @Override
        public Integer call() throws Exception {
            Template t = TemplateRegistry.standard().get(template);
            WeightsFormat f = WeightsFormat.of(format, file);
            String label = name != null ? name : defaultName(file);
            WeightsRegistry registry = localRegistry();
            registry.requireRegistrable(t.name(), label, replace.ifRegistered());   // before reading a large file
            OutputFile.requireWritable("--out", out, "the checkpoint file");
            List<String> classNames = null;
            if (labels != null) {
                if (!Files.isRegularFile(labels)) {
                    throw new IllegalArgumentException("no labels file at " + labels);
                }
                classNames = Files.readAllLines(labels).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
            }
            var log = command.commandLine().getOut();
            log.printf("reading %s (%s) ...%n", file, f.name().toLowerCase(Locale.ROOT));
            Map<String, SourceTensor> tensors = f.read(file);
            log.printf("mapping %d tensors onto %s ...%n", tensors.size(), t.name());
            // A TemplateLab export says how it was built (width, size, head): it is read back as it was exported.
            Map<String, String> metadata = f == WeightsFormat.SAFETENSORS ? SafetensorsReader.readMetadata(file) : Map.of();
            WeightsImporter.Imported imported = WeightsImporter.importInto(t, tensors, size, classNames, file.toString(),
                    metadata);
            log.println("writing " + out + " ...");
            String sha = WeightsImporter.writeCheckpoint(imported, t, file, f, out);
            WeightsRegistry.Entry entry;
            try {
                entry = registry.register(t.name(), label, out, replace.ifRegistered());
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(out);              // nothing half-done: no checkpoint without its registration
                Files.deleteIfExists(Checkpoints.sidecar(out));
                throw e;
            }
            log.printf(Locale.ROOT, "imported %s into %s: %d tensors, %,d values, mapping %s%n", file, t.name(),
                    imported.tensors(), imported.values(), imported.mapping().id());
            if (!imported.droppedTensors().isEmpty()) {
                log.println("dropped by the mapping (no place in this template): " + String.join(", ", imported.droppedTensors()));
            }
            log.println(imported.headImported()
                    ? "classifier: " + imported.labels().size() + " classes (" + imported.labels().get(0) + ", ...)"
                    : "no classifier in the file: the head is random; use these weights as a backbone for transfer");
            log.printf("checkpoint %s (sha256 %s)%n", out, sha);
            log.printf("registered %s / %s -> %s; train with --set pretrained_weights=%s%n", t.name(), label, entry.file(), label);
            return 0;
        }

        private static String defaultName(Path file) {
            String n = file.getFileName().toString();
            int dot = n.lastIndexOf('.');
            n = dot > 0 ? n.substring(0, dot) : n;
            return n.replaceAll("[^A-Za-z0-9._-]", "_");
        }
    }
}
