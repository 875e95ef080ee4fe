package dev.templatelab.training.fit;

import org.deeplearning4j.nn.graph.ComputationGraph;

/** Scores the network on held-out data after each epoch. */
@FunctionalInterface
public interface Validator {

    /** Loss, accuracy and macro-F1 on the validation set. */
    record Scores(double loss, double accuracy, double macroF1) {
        public static final Scores NONE = new Scores(Double.NaN, Double.NaN, Double.NaN);
    }

    Scores validate(ComputationGraph network);
}
