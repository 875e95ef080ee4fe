package dev.templatelab.training.schedule;

import dev.templatelab.training.hyper.Hyperparameters;
import org.nd4j.linalg.schedule.ISchedule;

/** Builds the learning-rate schedule a set of hyperparameters asks for. */
public final class Schedules {

    private Schedules() {
    }

    /**
     * @param iterationsPerEpoch minibatches per epoch (the cosine schedule spans all epochs)
     */
    public static ISchedule learningRate(Hyperparameters hp, int iterationsPerEpoch) {
        double lr = hp.learningRate();
        int epochs = hp.getInt("num_epochs");
        int warmup = hp.getInt("warmup_iters");
        return switch (hp.getString("lr_schedule")) {
            case "cosine" -> new WarmupCosineSchedule(lr, Math.min(lr, hp.minLearningRate()), warmup,
                    hp.getDouble("warmup_ratio"), Math.max(1, epochs * iterationsPerEpoch));
            case "step" -> new StepDecaySchedule(lr, hp.getInt("init_epochs"), hp.getInt("step_epochs"));
            default -> warmup > 0
                    ? new WarmupCosineSchedule(lr, lr, warmup, hp.getDouble("warmup_ratio"), warmup + 1)
                    : new WarmupCosineSchedule(lr, lr, 0, 1.0, 1);
        };
    }
}
