package dev.templatelab.training.transfer.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors and npz readers: every dtype decoded, every lie in a header caught and named. */
class WeightsFileReadersTest {

    @TempDir
    Path dir;

    /** A safetensors file from a header text and raw data bytes, exactly as given. */
    private Path safetensors(String header, byte[] data) throws Exception {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
        out.writeBytes(json);
        out.writeBytes(data);
        Path file = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(file, out.toByteArray());
        return file;
    }

    private static byte[] le(int bytes, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return b.array();
    }

    @Test
    void decodesEveryFloatAndIntegerType() throws Exception {
        byte[] f32 = le(8, b -> b.putFloat(1.5f).putFloat(-2f));
        byte[] f16 = le(6, b -> b.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x0001)); // 1, -2, 2^-24
        byte[] bf16 = le(4, b -> b.putShort((short) 0x3fc0).putShort((short) 0xc040));                         // 1.5, -3
        byte[] f64 = le(8, b -> b.putDouble(0.25));
        byte[] i64 = le(8, b -> b.putLong(12345));
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (byte[] part : new byte[][] {f32, f16, bf16, f64, i64}) {
            data.writeBytes(part);
        }
        Path file = safetensors("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[8,14]},"
                + "\"c\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[14,18]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[18,26]},"
                + "\"e.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[26,34]}}", data.toByteArray());

        Map<String, SourceTensor> t = SafetensorsReader.read(file);

        assertThat(t.keySet()).containsExactly("a", "b", "c", "d", "e.num_batches_tracked");
        assertThat(t.get("a").values()).containsExactly(1.5f, -2f);
        assertThat(t.get("b").values()).containsExactly(1f, -2f, (float) Math.pow(2, -24));
        assertThat(t.get("c").values()).containsExactly(1.5f, -3f);
        assertThat(t.get("c").shape()).containsExactly(1, 2);
        assertThat(t.get("d").values()).containsExactly(0.25f);
        assertThat(t.get("e.num_batches_tracked").values()).containsExactly(12345f);
    }

    @Test
    void writerAndReaderRoundTrip() throws Exception {
        Map<String, SourceTensor> in = new LinkedHashMap<>();
        in.put("x.weight", new SourceTensor("x.weight", "F32", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        in.put("x.bias", new SourceTensor("x.bias", "F32", new long[] {2}, new float[] {-1, 1}));
        Path file = dir.resolve("w.safetensors");
        SafetensorsWriter.write(file, in);
        Map<String, SourceTensor> out = SafetensorsReader.read(file);
        assertThat(out.keySet()).containsExactly("x.weight", "x.bias");
        assertThat(out.get("x.weight").values()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(out.get("x.weight").shape()).containsExactly(2, 3);
    }

    @Test
    void aTruncatedFileIsAnErrorNamingTheTensor() throws Exception {
        Path file = safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[10]);
        assertThatThrownBy(() -> SafetensorsReader.read(file)).isInstanceOf(WeightsFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("tensor 'w' ends at byte 16")
                .hasMessageContaining("only 10 data bytes (truncated?)");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafetensorsReader.read(tiny)).hasMessageContaining("too short for a safetensors header");
    }

    @Test
    void aHeaderLengthBeyondTheFileIsAnError() throws Exception {
        Path file = dir.resolve("long.safetensors");
        Files.write(file, le(12, b -> b.putLong(1000).putInt(0)));
        assertThatThrownBy(() -> SafetensorsReader.read(file)).isInstanceOf(WeightsFileException.class)
                .hasMessageContaining("declares a header of 1000 bytes but the file has only 4");
    }

    @Test
    void aHeaderThatLiesAboutSizesIsAnError() throws Exception {
        Path wrongSize = safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", new byte[16]);
        assertThatThrownBy(() -> SafetensorsReader.read(wrongSize)).isInstanceOf(WeightsFileException.class)
                .hasMessageContaining("tensor 'w' claims 12 bytes, but shape [2, 2] of F32 needs 16");

        Path overlap = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        assertThatThrownBy(() -> SafetensorsReader.read(overlap)).hasMessageContaining("tensors 'a' and 'b' overlap");

        Path backwards = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsReader.read(backwards)).hasMessageContaining("not a byte range");

        Path badType = safetensors("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]);
        assertThatThrownBy(() -> SafetensorsReader.read(badType)).hasMessageContaining("dtype F8_E4M3");

        Path notJson = safetensors("{\"a\": [", new byte[0]);
        assertThatThrownBy(() -> SafetensorsReader.read(notJson)).hasMessageContaining("not valid JSON");

        Path duplicate = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsReader.read(duplicate)).hasMessageContaining("not valid JSON")
                .hasMessageContaining("Duplicate field 'a'");
    }

    private static byte[] npy(String descr, String shape, boolean fortran, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((unpadded + 63) / 64 * 64 - unpadded) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0});
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    private Path npz(Map<String, byte[]> entries) throws Exception {
        Path file = Files.createTempFile(dir, "w", ".npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    @Test
    void npyRoundTripsAndNpzReadsEveryEntry() throws Exception {
        byte[] written = Npy.write(new long[] {2, 1, 2}, new float[] {1, 2, 3, 4});
        SourceTensor back = Npy.read(new ByteArrayInputStream(written), "x", "mem");
        assertThat(back.shape()).containsExactly(2, 1, 2);
        assertThat(back.values()).containsExactly(1, 2, 3, 4);

        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("layer1.0.conv1.weight.npy", written);
        entries.put("bn1.running_var.npy", npy("<f8", "(2,)", false, le(16, b -> b.putDouble(0.5).putDouble(2))));
        entries.put("bn1.num_batches_tracked.npy", npy("<i8", "()", false, le(8, b -> b.putLong(7))));
        Map<String, SourceTensor> t = NpzReader.read(npz(entries));
        assertThat(t.keySet()).containsExactly("layer1.0.conv1.weight", "bn1.running_var", "bn1.num_batches_tracked");
        assertThat(t.get("bn1.running_var").values()).containsExactly(0.5f, 2f);
        assertThat(t.get("bn1.num_batches_tracked").shape()).isEmpty();
    }

    @Test
    void badNpzFilesAreClearErrors() throws Exception {
        Path fortran = npz(Map.of("w.npy", npy("<f4", "(2, 2)", true, new byte[16])));
        assertThatThrownBy(() -> NpzReader.read(fortran)).hasMessageContaining("'w' is stored in Fortran order");

        Path shortData = npz(Map.of("w.npy", npy("<f4", "(3, 2)", false, new byte[20])));
        assertThatThrownBy(() -> NpzReader.read(shortData))
                .hasMessageContaining("'w' holds 20 data bytes, but shape [3, 2] of <f4 needs 24 (truncated?)");

        Path longData = npz(Map.of("w.npy", npy("<f4", "(1,)", false, new byte[8])));
        assertThatThrownBy(() -> NpzReader.read(longData)).hasMessageContaining("'w' has more data than shape [1]");

        Path bigEndian = npz(Map.of("w.npy", npy(">f4", "(1,)", false, new byte[4])));
        assertThatThrownBy(() -> NpzReader.read(bigEndian)).hasMessageContaining("big-endian");

        Path notNpy = npz(Map.of("notes.txt", new byte[] {1}));
        assertThatThrownBy(() -> NpzReader.read(notNpy)).hasMessageContaining("'notes.txt', which is not a .npy array");

        byte[] whole = Files.readAllBytes(npz(Map.of("w.npy", Npy.write(new long[] {64}, new float[64]))));
        Path truncated = dir.resolve("truncated.npz");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> NpzReader.read(truncated)).isInstanceOf(WeightsFileException.class)
                .hasMessageContaining(truncated.toString());
    }
}
