package dev.templatelab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.templatelab.training.transfer.exports.TorchExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Hands a checkpoint over to PyTorch: weights as a safetensors state dict, and the module that builds the network. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a checkpoint's network for PyTorch: a safetensors state dict under the published "
                + "networks' names (the inverse of 'weights import'), and templatelab_torch.py beside it, which builds "
                + "the network from that file and preprocesses images as evaluation does.",
                "In Python: model = templatelab_torch.load(\"model.safetensors\"); model(x) gives the logits 'infer' gives."})
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--checkpoint", required = true, description = "Checkpoint written by 'train', 'tune' or 'weights import'.")
    Path checkpoint;

    @Option(names = "--out", required = true, description = "The .safetensors file to write; templatelab_torch.py goes "
            + "beside it (replacing only an earlier copy of TemplateLab's own).")
    Path out;

    @Option(names = "--overwrite", description = "Replace an existing --out file (refused otherwise).")
    boolean overwrite;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        OutputFile.requireWritable("--out", out, "the .safetensors file");
        TorchExport.checkTarget(out);
        if (Files.exists(out) && !overwrite) {
            throw new IllegalArgumentException("--out " + out + " exists; give --overwrite to replace it, or another name");
        }
        if (!Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("no checkpoint at " + checkpoint);
        }
        TorchExport.Exported e = TorchExport.export(checkpoint, out);
        var printer = command.commandLine().getOut();
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("weights", e.weights().toString());
            result.put("sha256", e.sha256());
            result.put("module", e.module().toString());
            result.put("moduleWritten", e.moduleWritten());
            result.put("template", e.template());
            result.put("classes", e.classes());
            result.put("tensors", e.tensors());
            result.put("values", e.values());
            printer.println(new ObjectMapper().writeValueAsString(result));
            return 0;
        }
        printer.printf("wrote %s: %s for PyTorch, %d classes, %d tensors (%,d values)%n", e.weights(), e.template(),
                e.classes(), e.tensors(), e.values());
        printer.printf("sha256 %s%n", e.sha256());
        printer.printf("%s %s, the PyTorch module that builds it (needs torch; numpy and Pillow for images)%n",
                e.moduleWritten() ? "wrote" : "kept the identical", e.module());
        String name = e.weights().getFileName().toString();
        printer.println("in Python, from that folder:");
        printer.println("  import templatelab_torch");
        printer.printf("  model = templatelab_torch.load(\"%s\")   # model(x) -> logits, as 'infer' gives%n", name);
        printer.println("  templatelab_torch.predict(model, [\"photo.jpg\"])   # class probabilities, as 'predict' gives");
        printer.printf("or: python3 templatelab_torch.py %s photo.jpg%n", name);
        return 0;
    }
}
