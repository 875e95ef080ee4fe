package dev.templatelab.training.transfer.imports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * NumPy's {@code .npz}: a zip of {@code <name>.npy} arrays, as written by {@code numpy.savez} or
 * {@code numpy.savez_compressed}. Key {@code k} is the entry {@code k.npy}.
 */
public final class NpzReader {

    private NpzReader() {
    }

    /** All arrays of {@code file}, in the zip's order. */
    public static Map<String, SourceTensor> read(Path file) throws IOException {
        Map<String, SourceTensor> tensors = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry entry = en.nextElement();
                if (entry.isDirectory()) {
                    continue;
                }
                String entryName = entry.getName();
                if (!entryName.endsWith(".npy")) {
                    throw new WeightsFileException(file + " contains '" + entryName + "', which is not a .npy array");
                }
                String name = entryName.substring(0, entryName.length() - 4);
                if (tensors.containsKey(name)) {
                    throw new WeightsFileException(file + " contains the array '" + name + "' twice");
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    tensors.put(name, Npy.read(in, name, file.toString()));
                } catch (ZipException | java.io.EOFException e) {
                    throw new WeightsFileException(file + ": array '" + name + "' cannot be read (" + e.getMessage()
                            + "); the file is damaged or truncated");
                }
            }
        } catch (ZipException e) {
            throw new WeightsFileException(file + " is not a readable .npz (zip) file: " + e.getMessage()
                    + " (truncated or not an npz?)");
        }
        if (tensors.isEmpty()) {
            throw new WeightsFileException(file + " holds no arrays");
        }
        return tensors;
    }
}
