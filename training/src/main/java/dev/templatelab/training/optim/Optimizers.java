package dev.templatelab.training.optim;

import dev.templatelab.architectures.TemplateGraph;
import dev.templatelab.architectures.graph.Frozen;
import dev.templatelab.training.hyper.Hyperparameters;
import dev.templatelab.training.schedule.ScaledSchedule;
import dev.templatelab.training.schedule.Schedules;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Attaches the optimiser to a template's graph. Templates carry none (unlike DL4J's zoo), so the updater,
 * learning-rate schedule and weight decay are chosen here, per experiment, without touching the network.
 * What a layer fixes per parameter stays fixed (BN running statistics on {@code NoOp}, a scale-free BN's gamma
 * {@link Frozen}), because DL4J asks the layer per parameter before it uses the layer-wide updater.
 */
public final class Optimizers {

    private Optimizers() {
    }

    /** A copy of the template whose every trainable layer uses {@code updater} (no regularisation). */
    public static TemplateGraph withUpdater(TemplateGraph template, IUpdater updater) {
        return configure(template, name -> updater.clone(), List.of());
    }

    /**
     * The template configured for training: updater and schedule from the hyperparameters, decoupled weight
     * decay on weights only (RSB: none on biases and batch norm), the backbone's learning rate times
     * {@code base_gradient_multiplier} (0 freezes it), and the first {@code frozen_blocks} backbone blocks frozen.
     */
    public static TemplateGraph forTraining(TemplateGraph template, Hyperparameters hp, int iterationsPerEpoch) {
        ISchedule schedule = Schedules.learningRate(hp, iterationsPerEpoch);
        double multiplier = hp.getDouble("base_gradient_multiplier");
        Set<String> backbone = template.backboneLayers();
        Set<String> frozenBlocks = template.layersOfFirstBlocks(hp.getInt("frozen_blocks"));
        double decay = hp.getDouble("weight_decay");
        List<Regularization> weightDecay = decay > 0 ? List.of(new WeightDecay(decay, true)) : List.of();
        return configure(template, layer -> {
            if (frozenBlocks.contains(layer)) {
                return new Frozen();
            }
            if (!backbone.contains(layer) || multiplier == 1.0) {
                return updater(hp, schedule);
            }
            // Frozen, not NoOp: DL4J would apply NoOp's raw gradient at a learning rate of 1.
            return multiplier == 0.0 ? new Frozen() : updater(hp, new ScaledSchedule(schedule, multiplier));
        }, weightDecay);
    }

    private static IUpdater updater(Hyperparameters hp, ISchedule schedule) {
        return switch (hp.getString("updater")) {
            case "sgd" -> new Sgd(schedule);
            case "nesterovs" -> new Nesterovs(schedule, hp.getDouble("momentum"));
            // DL4J has no AdamW class: Adam plus WeightDecay(applyLR=true) is decoupled weight decay.
            case "adam", "adamw" -> new Adam(schedule);
            default -> throw new IllegalArgumentException("unknown updater " + hp.getString("updater"));
        };
    }

    private interface UpdaterChoice {
        IUpdater forLayer(String layerName);
    }

    private static TemplateGraph configure(TemplateGraph template, UpdaterChoice choice, List<Regularization> weightDecay) {
        ComputationGraphConfiguration conf = template.configuration().clone();
        conf.getVertices().forEach((name, vertex) -> {
            if (vertex instanceof LayerVertex lv) {
                Layer layer = lv.getLayerConf().getLayer();
                IUpdater updater = choice.forLayer(name);
                boolean frozen = updater instanceof Frozen;
                if (layer instanceof BaseLayer base) {
                    base.setIUpdater(updater);
                    base.setBiasUpdater(null);
                    boolean decays = !frozen && !(layer instanceof BatchNormalization);
                    base.setRegularization(decays ? copy(weightDecay) : List.of());
                    base.setRegularizationBias(List.of());
                }
            }
        });
        return new TemplateGraph(conf, template.input(), template.featureVertex(), template.headVertices(),
                template.backboneBlocks());
    }

    private static List<Regularization> copy(List<Regularization> regs) {
        return regs.stream().map(Regularization::clone).toList();
    }
}
