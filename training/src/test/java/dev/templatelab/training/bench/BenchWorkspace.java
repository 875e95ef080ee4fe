package dev.templatelab.training.bench;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.MirroringPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;

/**
 * Where the single-layer benches ({@code bench/conv}, {@code bench/batchnorm}) let a layer allocate: one warm
 * workspace holding every array type, as in a network. {@code LayerWorkspaceMgr.noWorkspaces()} would allocate
 * each output outside it, so large shapes would measure fresh pages instead of the layer.
 */
final class BenchWorkspace {

    private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.FIRST_LOOP)
            .policyMirroring(MirroringPolicy.FULL).policySpill(SpillPolicy.REALLOCATE).build();

    private BenchWorkspace() {
    }

    /** A workspace manager with every array type in the workspace called {@code name}. */
    static LayerWorkspaceMgr named(String name) {
        return LayerWorkspaceMgr.builder().defaultWorkspace(name, CONFIG).build();
    }
}
