package dev.templatelab.training.data;

import java.util.List;

/** A deterministic train/validation/test partition of a dataset (test may be empty). */
public record Split(List<ImageRecord> train, List<ImageRecord> validation, List<ImageRecord> test, long seed) {

    public Split {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        test = List.copyOf(test);
    }
}
