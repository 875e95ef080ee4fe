package dev.templatelab.training.optim;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Replaces a network's DL4J updater blocks with ones that skip the regularisation pass where a block has nothing
 * to apply in it.
 *
 * <p>Why: DL4J 1.0.0-M2.1's {@code UpdaterBlock.applyRegularizationAllVariables} runs twice per block and step
 * (before and after the updater) and, for every parameter of the block, reshapes the block's parameter view
 * before it looks whether that parameter has any regularisation at all. In the templates only convolution and
 * dense weights decay (batch norms never do), yet each view costs an ND4J shape buffer with its JavaCPP
 * deallocator: BN-Inception's 139 blocks spent about 30 ms of a 1.2 s training step there (the updater and
 * the step together 80 -> 48-60 ms with this, in one process). A block that does have regularisation for the
 * step runs DL4J's own code, so the arithmetic is unchanged. Drop this class when a DL4J release checks for
 * regularisation before it builds views.
 */
public final class LeanUpdaterBlocks {

    private LeanUpdaterBlocks() {
    }

    /**
     * Makes {@code net}'s updater (creating it if the network has none yet) use lean blocks. Idempotent; the
     * blocks keep DL4J's views of the updater state, so state restored from a checkpoint stays in place.
     *
     * @return how many blocks were replaced (0 when already done)
     */
    public static int install(ComputationGraph net) {
        List<UpdaterBlock> blocks = net.getUpdater().getUpdaterBlocks();     // DL4J's own, mutable list
        int replaced = 0;
        for (int i = 0; i < blocks.size(); i++) {
            if (!(blocks.get(i) instanceof Lean)) {
                blocks.set(i, new Lean(blocks.get(i)));
                replaced++;
            }
        }
        return replaced;
    }

    /** A DL4J updater block, the same in every respect but the regularisation pass. */
    static final class Lean extends UpdaterBlock {

        /** The steps at which some variable of the block has regularisation (fixed by the configuration). */
        private final Set<Regularization.ApplyStep> regularizedSteps = EnumSet.noneOf(Regularization.ApplyStep.class);

        Lean(UpdaterBlock block) {
            super(block.getParamOffsetStart(), block.getParamOffsetEnd(), block.getUpdaterViewOffsetStart(),
                    block.getUpdaterViewOffsetEnd(), block.getLayersAndVariablesInBlock());
            setUpdaterView(block.getUpdaterView());
            setGradientView(block.getGradientView());
            setUpdaterViewRequiresInitialization(block.isUpdaterViewRequiresInitialization());
            setGradientUpdater(block.getGradientUpdater());
            for (ParamState variable : getLayersAndVariablesInBlock()) {
                List<Regularization> regularization =
                        variable.getLayer().getConfig().getRegularizationByParam(variable.getParamName());
                if (regularization != null) {
                    regularization.forEach(r -> regularizedSteps.add(r.applyStep()));
                }
            }
        }

        @Override
        protected void applyRegularizationAllVariables(Regularization.ApplyStep step, int iteration, int epoch,
                                                       boolean externalGradient, INDArray gradientView,
                                                       INDArray paramsView) {
            if (regularizedSteps.contains(step)) {
                super.applyRegularizationAllVariables(step, iteration, epoch, externalGradient, gradientView,
                        paramsView);
            }
        }
    }
}
