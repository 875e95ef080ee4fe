package dev.templatelab.architectures.inception;

/**
 * One row of an Inception table, in the paper's notation
 * {@code 1x1 | 3x3reduce -> 3x3 | dbl-reduce -> 3x3 -> 3x3 | pool -> proj}.
 * A stride-2 (grid-reduction) module has no 1x1 branch and no pool projection: its max-pool branch
 * passes the input channels through, and the last conv of each conv branch carries the stride.
 *
 * @param name      vertex prefix, e.g. {@code inception_3a}
 * @param stride    1, or 2 for a grid-reduction module
 * @param conv1x1   1x1 branch width (0 for stride-2 modules)
 * @param reduce3x3 1x1 reduction before the single 3x3
 * @param conv3x3   single 3x3 branch width
 * @param reduceDbl 1x1 reduction before the double 3x3
 * @param convDbl   width of both 3x3s of the double branch
 * @param pool      pooling of the pool branch
 * @param poolProj  1x1 projection after the pool (0 for stride-2 modules)
 */
public record InceptionModule(String name, int stride, int conv1x1, int reduce3x3, int conv3x3, int reduceDbl,
                              int convDbl, Pool pool, int poolProj) {

    public enum Pool { AVG, MAX }

    public InceptionModule {
        if (stride == 2 && (conv1x1 != 0 || poolProj != 0 || pool != Pool.MAX)) {
            throw new IllegalArgumentException(name + ": a stride-2 module has only 3x3, double-3x3 and max-pool branches");
        }
        if (stride == 1 && (conv1x1 <= 0 || poolProj <= 0)) {
            throw new IllegalArgumentException(name + ": a stride-1 module needs a 1x1 branch and a pool projection");
        }
    }

    static InceptionModule module(String name, int conv1x1, int reduce3x3, int conv3x3, int reduceDbl, int convDbl,
                                  Pool pool, int poolProj) {
        return new InceptionModule(name, 1, conv1x1, reduce3x3, conv3x3, reduceDbl, convDbl, pool, poolProj);
    }

    static InceptionModule reduction(String name, int reduce3x3, int conv3x3, int reduceDbl, int convDbl) {
        return new InceptionModule(name, 2, 0, reduce3x3, conv3x3, reduceDbl, convDbl, Pool.MAX, 0);
    }

    /** Output channels for {@code inChannels} input channels (at width multiplier 1). */
    public int outChannels(int inChannels) {
        return stride == 2 ? conv3x3 + convDbl + inChannels : conv1x1 + conv3x3 + convDbl + poolProj;
    }
}
