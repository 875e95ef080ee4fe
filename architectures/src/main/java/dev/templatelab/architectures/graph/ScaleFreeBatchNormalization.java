package dev.templatelab.architectures.graph;

import java.util.Collections;
import java.util.List;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Batch norm with a learned shift (beta) but no learned scale: gamma stays at 1, exactly like TF-slim's
 * {@code batch_norm(scale=False)} that Inception-v2 uses. DL4J only offers locking both gamma and beta,
 * so this keeps the standard layer and gives gamma the {@link Frozen} updater and no regularisation. (Until
 * 2026-11-30 it gave gamma DL4J's NoOp, which trains it on its raw gradient at a learning rate of 1.)
 */
public class ScaleFreeBatchNormalization extends MomentsBatchNormalization {

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (BatchNormalizationParamInitializer.GAMMA.equals(paramName)) {
            return new Frozen();
        }
        return super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        if (BatchNormalizationParamInitializer.GAMMA.equals(paramName)) {
            return Collections.emptyList();
        }
        return super.getRegularizationByParam(paramName);
    }
}
