package dev.templatelab.training.transfer.imports;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (versions 1-3): the magic {@code \x93NUMPY}, a version, a header length, a
 * Python dict literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} and the raw
 * data. Little-endian and C-ordered arrays only; anything else is an error that says how to re-save.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Reads one array named {@code name} (used in messages) from {@code in}; {@code where} names the file. */
    public static SourceTensor read(InputStream in, String name, String where) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || !java.util.Arrays.equals(java.util.Arrays.copyOf(magic, 6), MAGIC)) {
            throw new WeightsFileException(where + ": '" + name + "' is not a .npy array (bad magic bytes)");
        }
        int major = magic[6];
        int headerLength;
        if (major == 1) {
            byte[] len = in.readNBytes(2);
            if (len.length < 2) {
                throw new WeightsFileException(where + ": '" + name + "' is truncated in its header");
            }
            headerLength = (len[0] & 0xff) | (len[1] & 0xff) << 8;
        } else if (major == 2 || major == 3) {
            byte[] len = in.readNBytes(4);
            if (len.length < 4) {
                throw new WeightsFileException(where + ": '" + name + "' is truncated in its header");
            }
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (headerLength < 0 || headerLength > 1 << 20) {
                throw new WeightsFileException(where + ": '" + name + "' declares a header of " + headerLength + " bytes");
            }
        } else {
            throw new WeightsFileException(where + ": '" + name + "' has .npy version " + major + ", not 1, 2 or 3");
        }
        byte[] headerBytes = in.readNBytes(headerLength);
        if (headerBytes.length < headerLength) {
            throw new WeightsFileException(where + ": '" + name + "' is truncated in its header");
        }
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeText = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeText.find()) {
            throw new WeightsFileException(where + ": '" + name + "' has an unreadable .npy header: " + header.strip());
        }
        if (fortran.group(1).equals("True")) {
            throw new WeightsFileException(where + ": '" + name + "' is stored in Fortran order; save it with "
                    + "numpy.ascontiguousarray(a) (C order)");
        }
        DTypes.Kind kind = kind(descr.group(1), name, where);
        long[] shape = shape(shapeText.group(1), name, where);
        long elements = SourceTensor.elements(shape);
        if (elements < 0 || elements * kind.bytes > Integer.MAX_VALUE - 8) {
            throw new WeightsFileException(where + ": '" + name + "' has shape " + java.util.Arrays.toString(shape)
                    + ", too large to read");
        }
        int bytes = (int) (elements * kind.bytes);
        byte[] data = in.readNBytes(bytes);
        if (data.length < bytes) {
            throw new WeightsFileException(where + ": '" + name + "' holds " + data.length + " data bytes, but shape "
                    + java.util.Arrays.toString(shape) + " of " + descr.group(1) + " needs " + bytes + " (truncated?)");
        }
        if (in.read() != -1) {
            throw new WeightsFileException(where + ": '" + name + "' has more data than shape "
                    + java.util.Arrays.toString(shape) + " of " + descr.group(1) + " needs (" + bytes + " bytes)");
        }
        return new SourceTensor(name, descr.group(1), shape, DTypes.decode(ByteBuffer.wrap(data), kind, (int) elements));
    }

    /** A float32, C-ordered, version 1.0 {@code .npy} file's bytes. */
    public static byte[] write(long[] shape, float[] values) {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
                : "(" + (dims.length() > 0 ? dims.substring(0, dims.length() - 2) : "") + ")";
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;      // the format aligns the data to 64 bytes
        String header = dict + " ".repeat(total - unpadded) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(total + values.length * 4);
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        int len = header.length();
        out.write(len & 0xff);
        out.write(len >>> 8);
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        out.writeBytes(data.array());
        return out.toByteArray();
    }

    private static DTypes.Kind kind(String descr, String name, String where) {
        if (descr.length() < 2) {
            throw new WeightsFileException(where + ": '" + name + "' has dtype '" + descr + "'");
        }
        char order = descr.charAt(0);
        String type = descr.substring(1);
        boolean singleByte = type.equals("i1") || type.equals("u1") || type.equals("b1");
        if (order == '>' && !singleByte) {
            throw new WeightsFileException(where + ": '" + name + "' is big-endian (" + descr + "); save it as "
                    + "little-endian, e.g. a.astype('<f4')");
        }
        if (order != '<' && order != '|' && order != '=' && order != '>') {
            throw new WeightsFileException(where + ": '" + name + "' has dtype '" + descr + "'");
        }
        return switch (type) {
            case "f4" -> DTypes.Kind.F32;
            case "f8" -> DTypes.Kind.F64;
            case "f2" -> DTypes.Kind.F16;
            case "i8" -> DTypes.Kind.I64;
            case "i4" -> DTypes.Kind.I32;
            case "i2" -> DTypes.Kind.I16;
            case "i1" -> DTypes.Kind.I8;
            case "u1" -> DTypes.Kind.U8;
            case "b1" -> DTypes.Kind.BOOL;
            default -> throw new WeightsFileException(where + ": '" + name + "' has dtype '" + descr
                    + "', which TemplateLab does not read (float16/32/64, int8-64, uint8, bool)");
        };
    }

    private static long[] shape(String text, String name, String where) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);       // Python 2 longs
            }
            if (p.isEmpty()) {
                continue;
            }
            try {
                long d = Long.parseLong(p);
                if (d < 0) {
                    throw new NumberFormatException();
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new WeightsFileException(where + ": '" + name + "' has a bad shape (" + text + ")");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
