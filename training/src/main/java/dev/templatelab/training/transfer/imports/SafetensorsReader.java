package dev.templatelab.training.transfer.imports;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Hugging Face's safetensors format directly: an 8-byte little-endian header length N, N bytes of
 * JSON ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}}),
 * then the raw little-endian tensor bytes, offsets relative to the end of the header.
 *
 * <p>Nothing in the header is trusted: a length beyond the file, offsets outside the data, overlapping
 * tensors or a byte range that disagrees with shape x dtype are errors naming the file and the tensor.
 */
public final class SafetensorsReader {

    /** safetensors' own limit on the header (100 MB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SafetensorsReader() {
    }

    private record Entry(String name, DTypes.Kind kind, String dtype, long[] shape, long begin, long end) {
    }

    /** All tensors of {@code file}, in header order. */
    public static Map<String, SourceTensor> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "is " + size + " bytes, too short for a safetensors header (truncated?)");
            }
            long headerLength = readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw bad(file, "declares a header of " + headerLength + " bytes; not a safetensors file");
            }
            if (8 + headerLength > size) {
                throw bad(file, "declares a header of " + headerLength + " bytes but the file has only " + (size - 8)
                        + " after the length field (truncated?)");
            }
            ByteBuffer headerBytes = readFully(ch, 8, (int) headerLength);
            String headerText = StandardCharsets.UTF_8.decode(headerBytes).toString();
            List<Entry> entries = parseHeader(file, headerText);
            long dataStart = 8 + headerLength;
            long dataSize = size - dataStart;
            checkLayout(file, entries, dataSize);

            Map<String, SourceTensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                int count = (int) SourceTensor.elements(e.shape());
                ByteBuffer raw = readFully(ch, dataStart + e.begin(), (int) (e.end() - e.begin()));
                tensors.put(e.name(), new SourceTensor(e.name(), e.dtype(), e.shape(), DTypes.decode(raw, e.kind(), count)));
            }
            return tensors;
        }
    }

    /** The header's {@code __metadata__} (string to string; empty if it has none), without reading the tensors. */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long headerLength = size < 8 ? -1 : readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
                throw bad(file, "has no complete safetensors header (truncated, or not a safetensors file)");
            }
            JsonNode root;
            try {
                root = JSON.readTree(StandardCharsets.UTF_8.decode(readFully(ch, 8, (int) headerLength)).toString().strip());
            } catch (JsonProcessingException e) {
                throw bad(file, "has a header that is not valid JSON: " + e.getOriginalMessage());
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            JsonNode m = root == null ? null : root.get("__metadata__");
            if (m != null && m.isObject()) {
                m.fields().forEachRemaining(f -> metadata.put(f.getKey(), f.getValue().asText()));
            }
            return metadata;
        }
    }

    private static List<Entry> parseHeader(Path file, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text.strip());
        } catch (JsonProcessingException e) {
            throw bad(file, "has a header that is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "has a header that is not a JSON object");
        }
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode t = f.getValue();
            String where = "tensor '" + name + "'";
            if (!t.isObject() || !t.path("dtype").isTextual() || !t.path("shape").isArray()
                    || !t.path("data_offsets").isArray() || t.path("data_offsets").size() != 2) {
                throw bad(file, where + " needs \"dtype\", \"shape\" and two \"data_offsets\" in the header");
            }
            String dtype = t.get("dtype").asText();
            DTypes.Kind kind;
            try {
                kind = DTypes.Kind.valueOf(dtype);
            } catch (IllegalArgumentException e) {
                throw bad(file, where + " has dtype " + dtype + ", which TemplateLab does not read "
                        + "(F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
            }
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = t.get("shape").get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                    throw bad(file, where + " has a bad shape " + t.get("shape"));
                }
                shape[i] = d.asLong();
            }
            JsonNode o = t.get("data_offsets");
            if (!o.get(0).isIntegralNumber() || !o.get(1).isIntegralNumber() || !o.get(0).canConvertToLong()
                    || !o.get(1).canConvertToLong()) {
                throw bad(file, where + " has bad data_offsets " + o);
            }
            entries.add(new Entry(name, kind, dtype, shape, o.get(0).asLong(), o.get(1).asLong()));
        }
        return entries;
    }

    /** Every tensor's byte range must be inside the data, sized exactly shape x dtype, and disjoint from the others. */
    private static void checkLayout(Path file, List<Entry> entries, long dataSize) {
        for (Entry e : entries) {
            String where = "tensor '" + e.name() + "'";
            long elements = SourceTensor.elements(e.shape());
            if (elements < 0 || elements > Integer.MAX_VALUE - 8) {
                throw bad(file, where + " has shape " + java.util.Arrays.toString(e.shape()) + ", too large to read");
            }
            if (e.begin() < 0 || e.end() < e.begin()) {
                throw bad(file, where + " has data_offsets [" + e.begin() + ", " + e.end() + "], not a byte range");
            }
            long expected = elements * e.kind().bytes;
            if (e.end() - e.begin() != expected) {
                throw bad(file, where + " claims " + (e.end() - e.begin()) + " bytes, but shape "
                        + java.util.Arrays.toString(e.shape()) + " of " + e.dtype() + " needs " + expected);
            }
            if (e.end() > dataSize) {
                throw bad(file, where + " ends at byte " + e.end() + " of the data, but the file holds only " + dataSize
                        + " data bytes (truncated?)");
            }
        }
        List<Entry> byStart = new ArrayList<>(entries);
        byStart.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < byStart.size(); i++) {
            Entry prev = byStart.get(i - 1);
            Entry cur = byStart.get(i);
            if (cur.begin() < prev.end()) {
                throw bad(file, "tensors '" + prev.name() + "' and '" + cur.name() + "' overlap in the data");
            }
        }
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int n = ch.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + (position + buffer.position()));
            }
        }
        return buffer.flip();
    }

    private static WeightsFileException bad(Path file, String what) {
        return new WeightsFileException(file + " " + what);
    }
}
