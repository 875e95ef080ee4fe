package dev.templatelab.training.fit;

import org.deeplearning4j.nn.graph.ComputationGraph;

/** Scores the network on held-out data after each epoch. */
@FunctionalInterface
public interface Validator {

    /** Loss, accuracy, macro-F1 and (multi-label data; else NaN) mean average precision on the validation set. */
    record Scores(double loss, double accuracy, double macroF1, double meanAveragePrecision) {
        public static final Scores NONE = new Scores(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

        /** Scores without mAP (single-label data). */
        public Scores(double loss, double accuracy, double macroF1) {
            this(loss, accuracy, macroF1, Double.NaN);
        }
    }

    Scores validate(ComputationGraph network);
}
