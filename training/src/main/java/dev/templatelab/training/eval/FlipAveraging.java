package dev.templatelab.training.eval;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Test-time augmentation by horizontal flip: the prediction is the mean of image and mirror-image probabilities. */
public final class FlipAveraging {

    private FlipAveraging() {
    }

    /** Element-wise mean (a + b) / 2 as a new array of a's data type; a and b must have the same shape and stay unchanged. */
    public static INDArray average(INDArray a, INDArray b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("cannot average probabilities of shapes " + Arrays.toString(a.shape())
                    + " and " + Arrays.toString(b.shape()));
        }
        return a.add(b.castTo(a.dataType())).muli(0.5);
    }
}
