package dev.templatelab.training.transfer.imports;

import java.util.Arrays;

/**
 * One tensor of a foreign state dict, decoded to float32 in C (row-major) order whatever its stored type.
 *
 * @param name   the key in the file, e.g. {@code layer1.0.conv1.weight}
 * @param dtype  the stored type as the file names it ({@code F32}, {@code <f4}, ...)
 * @param shape  dimensions, outermost first
 * @param values {@code product(shape)} values, row-major
 */
public record SourceTensor(String name, String dtype, long[] shape, float[] values) {

    public SourceTensor {
        shape = shape.clone();
        if (values.length != elements(shape)) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + Arrays.toString(shape));
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public String shapeText() {
        return Arrays.toString(shape);
    }

    /** Product of the dimensions (1 for a scalar); -1 if it overflows a long. */
    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }
}
