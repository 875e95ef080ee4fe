package dev.templatelab.training.fit;

import org.deeplearning4j.nn.graph.ComputationGraph;

/** What listeners may look at: the network being trained and where the loop is. */
public record TrainingContext(ComputationGraph network, int startEpoch, int epochs, int batchesPerEpoch) {
}
