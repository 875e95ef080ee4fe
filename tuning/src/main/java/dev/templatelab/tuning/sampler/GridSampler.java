package dev.templatelab.tuning.sampler;

import dev.templatelab.tuning.space.CategoricalDistribution;
import dev.templatelab.tuning.space.Distribution;
import dev.templatelab.tuning.space.FloatDistribution;
import dev.templatelab.tuning.space.IntDistribution;
import dev.templatelab.tuning.space.SearchSpace;
import dev.templatelab.tuning.space.TemplateSpace;
import dev.templatelab.tuning.study.FrozenTrial;
import dev.templatelab.tuning.study.StudyView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every point of the cartesian product of the space, each exactly once, in a fixed order: templates in space
 * order, then parameters as an odometer (the last parameter changes fastest). Every dimension must be discrete:
 * categorical, integer, or a float with a step. Points already handed to any trial (running, failed or
 * finished) are not handed out again; when none is left the sampler is exhausted.
 */
public final class GridSampler implements Sampler {

    /** Larger grids are almost certainly a missing step or a too-wide integer range. */
    public static final long MAX_POINTS = 1_000_000;

    @Override
    public Sample sample(StudyView study, int trialNumber) {
        Grid grid = Grid.of(study.space());
        Set<Long> used = used(grid, study.trials());
        for (long i = 0; i < grid.size(); i++) {
            if (!used.contains(i)) {
                return grid.point(i);
            }
        }
        throw new IllegalStateException("grid exhausted: all " + grid.size() + " points have been tried");
    }

    @Override
    public boolean isExhausted(StudyView study) {
        Grid grid = Grid.of(study.space());
        return used(grid, study.trials()).size() >= grid.size();
    }

    /** Number of points in the grid of {@code space}, or an error naming a continuous dimension. */
    public static long size(SearchSpace space) {
        return Grid.of(space).size();
    }

    private static Set<Long> used(Grid grid, List<FrozenTrial> trials) {
        Set<Long> used = new HashSet<>();
        for (FrozenTrial t : trials) {
            long index = grid.indexOf(t.template(), t.params());
            if (index >= 0) {
                used.add(index);
            }
        }
        return used;
    }

    /** The grid as blocks, one per template, each an odometer over that template's dimensions. */
    private record Grid(List<Block> blocks, long size) {

        static Grid of(SearchSpace space) {
            List<Block> blocks = new ArrayList<>();
            long offset = 0;
            for (TemplateSpace t : space.templates()) {
                Block block = Block.of(t, offset);
                blocks.add(block);
                offset = Math.addExact(offset, block.size());
                if (offset > MAX_POINTS) {
                    throw new IllegalArgumentException("the grid has more than " + MAX_POINTS
                            + " points; narrow the space, give coarser steps or fix parameters");
                }
            }
            return new Grid(blocks, offset);
        }

        Sample point(long index) {
            for (Block b : blocks) {
                if (index < b.offset() + b.size()) {
                    return b.point(index - b.offset());
                }
            }
            throw new IndexOutOfBoundsException(index);
        }

        long indexOf(String template, Map<String, Object> params) {
            return blocks.stream().filter(b -> b.template().equals(template)).findFirst()
                    .map(b -> b.indexOf(params)).orElse(-1L);
        }
    }

    private record Block(String template, List<String> names, List<Distribution> dims, List<Long> radices,
                         long offset, long size) {

        static Block of(TemplateSpace t, long offset) {
            List<String> names = new ArrayList<>(t.parameters().keySet());
            List<Distribution> dims = new ArrayList<>(t.parameters().values());
            List<Long> radices = new ArrayList<>();
            long size = 1;
            for (int i = 0; i < dims.size(); i++) {
                long n = points(t.template(), names.get(i), dims.get(i));
                radices.add(n);
                size = Math.multiplyExact(size, n);
                if (size > MAX_POINTS) {
                    throw new IllegalArgumentException("the grid of " + t.template() + " has more than " + MAX_POINTS
                            + " points; narrow the space, give coarser steps or fix parameters");
                }
            }
            return new Block(t.template(), names, dims, radices, offset, size);
        }

        Sample point(long local) {
            Map<String, Object> params = new LinkedHashMap<>();
            long rest = local;
            Object[] values = new Object[dims.size()];
            for (int i = dims.size() - 1; i >= 0; i--) {
                long radix = radices.get(i);
                values[i] = value(dims.get(i), rest % radix);
                rest /= radix;
            }
            for (int i = 0; i < dims.size(); i++) {
                params.put(names.get(i), values[i]);
            }
            return new Sample(template, params);
        }

        long indexOf(Map<String, Object> params) {
            if (!params.keySet().equals(new java.util.HashSet<>(names))) {
                return -1;
            }
            long index = 0;
            for (int i = 0; i < dims.size(); i++) {
                long coordinate = coordinate(dims.get(i), params.get(names.get(i)));
                if (coordinate < 0) {
                    return -1;
                }
                index = index * radices.get(i) + coordinate;
            }
            return offset + index;
        }
    }

    private static long points(String template, String name, Distribution d) {
        if (d instanceof CategoricalDistribution c) {
            return c.choices().size();
        }
        if (d instanceof IntDistribution i) {
            return i.gridSize();
        }
        FloatDistribution f = (FloatDistribution) d;
        if (f.gridSize() == 0) {
            throw new IllegalArgumentException("grid search needs a step for the continuous parameter " + name + " of "
                    + template + " (" + f.low() + ".." + f.high() + (f.log() ? ", log" : "") + "): give " + name
                    + "=low..high:step, a list " + name + "=a,b,c or a fixed value");
        }
        return f.gridSize();
    }

    private static Object value(Distribution d, long coordinate) {
        if (d instanceof CategoricalDistribution c) {
            return c.choices().get((int) coordinate);
        }
        if (d instanceof IntDistribution i) {
            return i.gridPoint(coordinate);
        }
        FloatDistribution f = (FloatDistribution) d;
        return f.isSingle() ? f.low() : f.gridPoint(coordinate);
    }

    private static long coordinate(Distribution d, Object value) {
        if (!d.contains(value)) {
            return -1;
        }
        if (d instanceof CategoricalDistribution c) {
            return c.indexOf(value);
        }
        if (d instanceof IntDistribution i) {
            return (((Number) value).longValue() - i.low()) / i.step();
        }
        FloatDistribution f = (FloatDistribution) d;
        return f.isSingle() ? 0 : Math.round((((Number) value).doubleValue() - f.low()) / f.step());
    }
}
