package dev.templatelab.architectures.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
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

    /** Overrides {@link #CHANNEL_BLOCK} (8 or 16), for tests that run the other block on any CPU. */
    static final String CHANNEL_BLOCK_PROPERTY = "templatelab.onednn.channelBlock";

    /**
     * How many channels oneDNN's blocked activation layout groups together on this CPU: 16 where its convolutions
     * run AVX-512 kernels ({@code nChw16c}), 8 on AVX2 ({@code nChw8c}). Asked of oneDNN itself, as the layout its
     * convolution picks for a typical layer, because activations held in any other block are converted before and
     * after every convolution: on an AVX-512 machine, holding 8-channel blocks spent 23 % of a ResNet-50 training
     * step in such conversions and ran batch norm and pooling on their AVX2 kernels (README "Performance").
     */
    static final int CHANNEL_BLOCK = channelBlock();

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
         * How the layer holds its input and output from now on: in oneDNN's channel blocks or plain NCHW
         * ({@link BlockedActivations}). The primitives made for the old layouts are freed.
         */
        void holdBlocked(boolean input, boolean output) {
            blockedInput = input;
            blockedOutput = output;
            clear();
        }

        /** Frees every shape's primitives. */
        void clear() {
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
     * The descriptor of an NCHW activation as the layer holds it: plain row-major, or oneDNN's channel blocks
     * ({@link #CHANNEL_BLOCK}) where {@link BlockedActivations} keeps activations blocked between layers.
     */
    static memory.desc activation(long[] nchw, boolean blocked) {
        if (blocked && nchw[1] % CHANNEL_BLOCK != 0) {
            // Blocked, a partial block takes more memory than the INDArray has: oneDNN would run past its end.
            throw new IllegalStateException("an activation of " + nchw[1] + " channels cannot be held in "
                    + CHANNEL_BLOCK + "-channel blocks (BlockedActivations holds only whole blocks)");
        }
        return blocked ? blocked(nchw, CHANNEL_BLOCK) : rowMajor(nchw);
    }

    /**
     * The channel-blocked layout a primitive computes on (batch norm, pooling), for any channel count: a partial last
     * block is padded in the scratch memory it is converted into.
     */
    static memory.desc computeLayout(long[] nchw) {
        return blocked(nchw, CHANNEL_BLOCK);
    }

    private static memory.desc blocked(long[] nchw, int block) {
        return new memory.desc(nchw, memory.data_type.f32,
                block == 16 ? memory.format_tag.nChw16c : memory.format_tag.nChw8c);
    }

    /** The instruction set oneDNN's kernels use on this CPU, e.g. {@code avx2} or {@code avx512_core_bf16}. */
    static String isa() {
        return dnnl.get_effective_cpu_isa().toString();
    }

    /** {@link #CHANNEL_BLOCK}: the property's value when set, else the block of oneDNN's pick (8 unless 16). */
    private static int channelBlock() {
        String forced = System.getProperty(CHANNEL_BLOCK_PROPERTY);
        if (forced != null) {
            if (!forced.equals("8") && !forced.equals("16")) {
                throw new IllegalArgumentException(CHANNEL_BLOCK_PROPERTY + " must be 8 or 16, not " + forced);
            }
            return Integer.parseInt(forced);
        }
        // A 3x3 convolution of 64 channels at 28x28, batch 8, as in ResNet-50: layouts left to oneDNN.
        long[] nchw = {8, 64, 28, 28};
        long[] pad = {1, 1};
        try (PointerScope scope = new PointerScope()) {
            memory.desc any = new memory.desc(nchw, memory.data_type.f32, memory.format_tag.any);
            memory.desc anyWeights = new memory.desc(new long[] {64, 64, 3, 3}, memory.data_type.f32,
                    memory.format_tag.any);
            convolution_forward.primitive_desc picked = new convolution_forward.primitive_desc(
                    new convolution_forward.desc(dnnl.prop_kind.forward_training.value,
                            dnnl.algorithm.convolution_direct.value, any, anyWeights, any, new long[] {1, 1}, pad,
                            pad), CPU);
            return picked.dst_desc().equals(blocked(nchw, 16)) ? 16 : 8;
        }
    }

    /** TensorFlow's SAME padding along one dimension: the output size and the padding before and after it. */
    record SamePadding(long output, long before, long after) {

        /** As DL4J's {@code ConvolutionMode.Same} computes it: output ceil(in / stride), an odd row or column after. */
        static SamePadding of(long in, long kernel, long stride) {
            long out = (in + stride - 1) / stride;
            long total = Math.max(0, (out - 1) * stride + kernel - in);
            return new SamePadding(out, total / 2, total - total / 2);
        }
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
            // malloc'd, not allocated with a deallocator: no PointerScope may free it
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
     * oneDNN memory of one layout, made once and pointed at each call's array: a primitive's argument. Why: making
     * oneDNN memory on every call, each with a JavaCPP deallocator (which reads the process's resident size), took
     * 3 % of the main thread in a BN-Inception training step (JFR, 224 px, batch 8): thousands of them per step.
     */
    static final class Bound implements AutoCloseable {
        private final memory memory;

        Bound(memory.desc descriptor) {
            memory = new memory(descriptor, CPU, new Pointer());     // no buffer until pointed at one
        }

        /** This memory over the array's own buffer (dense, float). */
        memory to(INDArray array) {
            memory.set_data_handle(array.data().addressPointer());  // the address includes a view's offset
            return memory;
        }

        /** This memory over {@code buffer}. */
        memory to(Pointer buffer) {
            memory.set_data_handle(buffer);
            return memory;
        }

        @Override
        public void close() {
            memory.close();
        }
    }

    /**
     * A primitive whose arguments are whole arrays in fixed layouts (ReLU, the joined sum), with their memory and
     * argument map made once ({@link Bound}); it owns the primitive.
     */
    static final class Call implements AutoCloseable {
        private final primitive op;
        private final Map<Integer, Bound> bound = new LinkedHashMap<>();
        private final IntMemoryMap args = new IntMemoryMap();

        /** {@code layouts}: each argument's descriptor, by DNNL argument key. */
        Call(primitive op, Map<Integer, memory.desc> layouts) {
            this.op = op;
            layouts.forEach((key, descriptor) -> bound.put(key, new Bound(descriptor)));
        }

        /** Runs the primitive with each argument on its array (every argument given) and waits for it. */
        void run(stream stream, Map<Integer, INDArray> arrays) {
            if (!arrays.keySet().equals(bound.keySet())) {
                throw new IllegalArgumentException("arguments " + arrays.keySet() + ", expected " + bound.keySet());
            }
            arrays.forEach((key, array) -> args.put(key, bound.get(key).to(array)));
            op.execute(stream, args);
            stream._wait();
        }

        @Override
        public void close() {
            args.close();
            bound.values().forEach(Bound::close);
            op.close();
        }
    }

    /**
     * An argument in the layout a primitive wants: the array itself when the layout it is held in ({@code held}:
     * plain, or blocked by {@link BlockedActivations}) is that one, else converted
     * through a scratch buffer in the primitive's layout ({@link #scratch}, slot {@code slot}, shared by all
     * layers of the thread).
     */
    static final class Staged implements AutoCloseable {
        private final memory.desc wanted;
        private final int slot;
        private final Bound held;
        private final Bound converted;            // in the primitive's layout, over scratch memory; null: no conversion
        private final reorder toPrimitive;
        private final reorder toHeld;
        private memory pending;                  // written by the primitive, for finish to convert

        Staged(memory.desc held, memory.desc wanted, int slot) {
            this.wanted = wanted;
            this.slot = slot;
            this.held = new Bound(held);
            boolean same = held.equals(wanted);
            this.converted = same ? null : new Bound(wanted);
            this.toPrimitive = same ? null : new reorder(new reorder.primitive_desc(CPU, held, CPU, wanted));
            this.toHeld = same ? null : new reorder(new reorder.primitive_desc(CPU, wanted, CPU, held));
        }

        private memory scratchMemory() {
            return converted.to(OneDnn.scratch(slot, wanted.get_size()));
        }

        /**
         * The array as the primitive reads it (converted into scratch memory if need be). The memory returned is
         * this argument's, valid until the next call.
         */
        memory in(INDArray a, stream stream) {
            memory bound = held.to(a);
            if (converted == null) {
                return bound;
            }
            memory scratch = scratchMemory();
            toPrimitive.execute(stream, bound, scratch);
            return scratch;
        }

        /** Where the primitive writes a result meant for {@code a}; {@link #finish} moves it there. */
        memory out(INDArray a) {
            pending = converted == null ? null : scratchMemory();
            return pending == null ? held.to(a) : pending;
        }

        void finish(INDArray a, stream stream) {
            if (pending != null) {
                toHeld.execute(stream, pending, held.to(a));
                pending = null;
            }
        }

        @Override
        public void close() {
            if (converted != null) {
                toHeld.close();
                toPrimitive.close();
                converted.close();
            }
            held.close();
        }
    }
}
