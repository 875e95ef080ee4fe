package dev.templatelab.architectures.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The plumbing for calling oneDNN directly (JavaCPP's dnnl presets, oneDNN 2.5) on ND4J arrays, for the ops
 * where going through libnd4j costs more than the op itself ({@link OneDnnConvolutionLayer},
 * {@link OneDnnBatchNormHelper}, {@link OneDnnReluLayer}, {@link OneDnnPoolHelper}). oneDNN reads and writes
 * the arrays' own memory unless an array is not plain row-major ({@link #dense}) or a primitive wants another
 * layout (then through {@link #scratch} buffers).
 */
final class OneDnn {

    static final engine CPU = new engine(engine.kind.cpu, 0);

    private static final memory.format_tag[] ROW_MAJOR = {
            memory.format_tag.a, memory.format_tag.ab, memory.format_tag.abc, memory.format_tag.abcd};

    private OneDnn() {
    }

    /** A layer's oneDNN primitives for one input shape; closing frees their native memory. */
    interface Primitives extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * A layer's primitives by input shape, the eight most recently used kept: a layer sees the
     * training batch, a last partial batch and evaluation batches, and making primitives costs far more than
     * running them. With the stream they run on.
     */
    static final class ByShape<P extends Primitives> {
        private static final int MAX_SHAPES = 8;
        private stream stream;
        private boolean blockedInput;
        private boolean blockedOutput;
        private final Map<String, P> byShape = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, P> eldest) {
                boolean evict = size() > MAX_SHAPES;
                if (evict) {
                    eldest.getValue().close();
                }
                return evict;
            }
        };

        P get(String key, Supplier<P> make) {
            return byShape.computeIfAbsent(key, k -> make.get());
        }

        /** The primitives made for {@code key}, or null: for passes that only run on what an earlier pass made. */
        P find(String key) {
            return byShape.get(key);
        }

        /**
         * How the layer holds its input and output from now on: in oneDNN's 8-channel blocks or plain NCHW
         * ({@link BlockedActivations}). The primitives made for the old layouts are freed.
         */
        void holdBlocked(boolean input, boolean output) {
            blockedInput = input;
            blockedOutput = output;
            byShape.values().forEach(Primitives::close);
            byShape.clear();
        }

        boolean blockedInput() {
            return blockedInput;
        }

        /**
         * Refuses a pass that cannot run on oneDNN while the layer holds blocked activations: the other code (DL4J's,
         * libnd4j's) would read the blocks as plain NCHW.
         *
         * @param layer what to name in the message, e.g. "convolution conv1"
         */
        void requireOneDnnWhenBlocked(boolean runsOnOneDnn, String layer, INDArray input) {
            if (!runsOnOneDnn && (blockedInput || blockedOutput)) {
                throw new IllegalStateException(layer + " keeps its activations in oneDNN's blocked layout "
                        + "(BlockedActivations) but cannot run on oneDNN here: input " + input.dataType() + " "
                        + Arrays.toString(input.shape()));
            }
        }

        boolean blockedOutput() {
            return blockedOutput;
        }

        /** The layer's oneDNN stream, made on first use (a layer built with the helpers off never makes one). */
        stream stream() {
            if (stream == null) {
                stream = new stream(CPU);
            }
            return stream;
        }
    }

    /** A float32 row-major descriptor of {@code shape} (rank 1 to 4). */
    static memory.desc rowMajor(long[] shape) {
        return new memory.desc(shape, memory.data_type.f32, ROW_MAJOR[shape.length - 1]);
    }

    /**
     * The descriptor of an NCHW activation as the layer holds it: plain row-major, or oneDNN's 8-channel blocks
     * ({@code nChw8c}) where {@link BlockedActivations} keeps activations blocked between layers.
     */
    static memory.desc activation(long[] nchw, boolean blocked) {
        return blocked ? new memory.desc(nchw, memory.data_type.f32, memory.format_tag.nChw8c) : rowMajor(nchw);
    }

    /** The array itself when it is plain row-major memory, else a row-major copy (a channel slice, say). */
    static INDArray dense(INDArray a) {
        return isRowMajor(a) ? a : a.dup('c');
    }

    /**
     * Whether the array's elements lie in row-major order without gaps. Strides of size-1 dimensions do not
     * matter (ND4J gives them varying values, e.g. for 1x1 feature maps).
     */
    static boolean isRowMajor(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) != 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }

    static boolean sharesMemory(INDArray a, INDArray b) {
        return a.data().addressPointer().address() == b.data().addressPointer().address();
    }

    /**
     * Scratch memory of at least {@code bytes}, 64-byte aligned: slot {@code slot} of this thread's buffers, shared
     * by every layer's layout conversions (one thread's oneDNN calls never overlap), grown as needed and kept.
     * One buffer per layer and shape would hold gigabytes for ResNet-50 at 224 px.
     */
    static Pointer scratch(int slot, long bytes) {
        Scratch mine = SCRATCH.get();
        while (mine.buffers.size() <= slot) {
            mine.buffers.add(null);
            mine.capacities.add(0L);
        }
        Pointer buffer = mine.buffers.get(slot);
        if (buffer == null || mine.capacities.get(slot) < bytes) {
            if (buffer != null) {
                Pointer.free(buffer);
                mine.buffers.set(slot, null);      // so that a failed malloc below leaves no freed buffer behind
                mine.capacities.set(slot, 0L);
            }
            // malloc'd, not allocated with a deallocator: the PointerScope around each oneDNN call must not free it
            buffer = Pointer.malloc(bytes + ALIGNMENT);
            if (buffer.isNull()) {
                throw new OutOfMemoryError("cannot allocate " + bytes + " bytes of oneDNN scratch memory");
            }
            mine.buffers.set(slot, buffer);
            mine.capacities.set(slot, bytes);
        }
        long misalignment = buffer.address() % ALIGNMENT;
        return new BytePointer(buffer).position(misalignment == 0 ? 0 : ALIGNMENT - misalignment);
    }

    private static final long ALIGNMENT = 64;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A thread's scratch buffers by slot, with their usable sizes. */
    private static final class Scratch {
        final List<Pointer> buffers = new ArrayList<>();
        final List<Long> capacities = new ArrayList<>();
    }

    /** oneDNN memory over the array's own buffer (dense, float); free it with an enclosing PointerScope. */
    static memory bind(memory.desc descriptor, INDArray array) {
        return new memory(descriptor, CPU, array.data().addressPointer());   // the address includes a view's offset
    }

    /**
     * Runs {@code op} with each DNNL argument bound to its array's memory (dense, float; {@code descriptor}
     * gives each array's memory descriptor) and waits for it.
     */
    static void run(primitive op, stream stream, Map<Integer, INDArray> arrays,
                    Function<INDArray, memory.desc> descriptor) {
        try (PointerScope scope = new PointerScope()) {   // frees the argument handles made here
            IntMemoryMap args = new IntMemoryMap();
            for (Map.Entry<Integer, INDArray> e : arrays.entrySet()) {
                args.put(e.getKey(), bind(descriptor.apply(e.getValue()), e.getValue()));
            }
            op.execute(stream, args);
            stream._wait();
        }
    }

    /**
     * An argument in the layout a primitive wants: the array itself when the layout it is held in ({@code held}:
     * plain, or blocked by {@link BlockedActivations}) is that one, else converted
     * through a scratch buffer in the primitive's layout ({@link #scratch}, slot {@code slot}, shared by all
     * layers of the thread).
     */
    static final class Staged implements AutoCloseable {
        private final memory.desc held;
        private final memory.desc wanted;
        private final int slot;
        private final reorder toPrimitive;
        private final reorder toHeld;
        private memory pending;

        Staged(memory.desc held, memory.desc wanted, int slot) {
            this.held = held;
            this.wanted = wanted;
            this.slot = slot;
            boolean same = held.equals(wanted);
            this.toPrimitive = same ? null : new reorder(new reorder.primitive_desc(CPU, held, CPU, wanted));
            this.toHeld = same ? null : new reorder(new reorder.primitive_desc(CPU, wanted, CPU, held));
        }

        private memory scratchMemory() {
            return new memory(wanted, CPU, OneDnn.scratch(slot, wanted.get_size()));
        }

        /** The array as the primitive reads it (converted into scratch memory if need be); in a PointerScope. */
        memory in(INDArray a, stream stream) {
            memory bound = bind(held, a);
            if (toPrimitive == null) {
                return bound;
            }
            memory converted = scratchMemory();
            toPrimitive.execute(stream, bound, converted);
            return converted;
        }

        /** Where the primitive writes a result meant for {@code a}; {@link #finish} moves it there. */
        memory out(INDArray a) {
            pending = toHeld == null ? null : scratchMemory();
            return pending == null ? bind(held, a) : pending;
        }

        void finish(INDArray a, stream stream) {
            if (pending != null) {
                toHeld.execute(stream, pending, bind(held, a));
                pending = null;
            }
        }

        @Override
        public void close() {
            if (toHeld != null) {
                toHeld.close();
                toPrimitive.close();
            }
        }
    }
}
