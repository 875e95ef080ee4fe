package dev.templatelab.training.data;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads a {@code path,label1;label2} CSV manifest (RFC 4180 quoting, optional header, UTF-8). */
final class ManifestReader {

    /** One data row: where it starts in the file, the path as written, and its labels in order. */
    record Row(int line, String path, List<String> labels) {
    }

    private static final Set<String> HEADER_NAMES =
            Set.of("path", "file", "filename", "file_name", "filepath", "file_path", "image", "image_path");

    private ManifestReader() {
    }

    static List<Row> read(Path csv) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(csv)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new DatasetException("manifest " + csv + " is not UTF-8 text; save it as UTF-8 CSV", e);
        } catch (IOException e) {
            throw new DatasetException("cannot read manifest " + csv + ": " + e.getMessage(), e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // Excel writes a byte-order mark
        }
        List<Row> rows = new ArrayList<>();
        boolean first = true;
        for (RawRow raw : parse(csv, text)) {
            List<String> fields = raw.fields();
            if (fields.stream().allMatch(String::isBlank)) {
                continue;
            }
            if (first) {
                first = false;
                String head = fields.get(0).trim().toLowerCase(Locale.ROOT);
                if (HEADER_NAMES.contains(head) && !Files.exists(csv.getParent().resolve(fields.get(0).trim()))) {
                    continue;
                }
            }
            if (fields.size() != 2) {
                throw new DatasetException("row at line " + raw.line() + " of manifest " + csv + " has "
                        + fields.size() + " column(s); expected 'path,label', with several labels separated by"
                        + " ';' (e.g. a.png,cat;dog)");
            }
            String path = fields.get(0).trim();
            if (path.isEmpty()) {
                throw new DatasetException("row at line " + raw.line() + " of manifest " + csv + " has no path");
            }
            Set<String> labels = new LinkedHashSet<>();
            for (String label : fields.get(1).split(";")) {
                if (!label.isBlank()) {
                    labels.add(label.trim());
                }
            }
            if (labels.isEmpty()) {
                throw new DatasetException("row at line " + raw.line() + " of manifest " + csv + " gives no label for '"
                        + path + "'; add its class after the comma");
            }
            rows.add(new Row(raw.line(), path, List.copyOf(labels)));
        }
        return rows;
    }

    private record RawRow(int line, List<String> fields) {
    }

    /** Splits CSV text into rows of fields; quoted fields may hold commas, quotes ("") and line breaks. */
    private static List<RawRow> parse(Path csv, String text) {
        List<RawRow> rows = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        int line = 1;
        int rowLine = 1;
        int quoteLine = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append(c);
                }
            } else if (c == '"' && field.toString().isBlank()) {
                quoted = true;
                quoteLine = line;
                field.setLength(0);
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                fields.add(field.toString());
                field.setLength(0);
                rows.add(new RawRow(rowLine, List.copyOf(fields)));
                fields.clear();
                line++;
                rowLine = line;
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new DatasetException("manifest " + csv + " has a quote opened at line " + quoteLine
                    + " that is never closed; close it with \"");
        }
        if (field.length() > 0 || !fields.isEmpty()) {
            fields.add(field.toString());
            rows.add(new RawRow(rowLine, List.copyOf(fields)));
        }
        return rows;
    }
}
