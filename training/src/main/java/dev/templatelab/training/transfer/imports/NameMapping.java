package dev.templatelab.training.transfer.imports;

import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * How one template's DL4J layers are named in a foreign state dict. Parameter names within a layer
 * follow PyTorch everywhere ({@code weight}, {@code bias}, {@code running_mean}, {@code running_var});
 * only the module prefix differs between sources.
 *
 * @param id               recorded in the checkpoint's provenance, e.g. {@code torchvision-resnet}
 * @param description      one line for the command line and the README
 * @param modulePrefix     DL4J layer vertex (a grouped convolution's parts by their common name) -> module prefix
 * @param classifierWeight the tensor whose first dimension is the number of classes
 * @param optionalLayers   DL4J layers that may be missing from the file all together (then they keep their
 *                         fresh initialisation and the checkpoint is a backbone for transfer only)
 * @param dropped          tensors the mapping knowingly leaves out, each recorded in the provenance
 * @param signature        a tensor name every file of this layout has, used to say which template a
 *                         mismatching file belongs to
 */
public record NameMapping(String id, String description, UnaryOperator<String> modulePrefix, String classifierWeight,
                          Set<String> optionalLayers, Set<String> dropped, List<String> signature) {

    public NameMapping {
        optionalLayers = Set.copyOf(optionalLayers);
        dropped = Set.copyOf(dropped);
        signature = List.copyOf(signature);
    }

    public String prefixOf(String layer) {
        return modulePrefix.apply(layer);
    }
}
