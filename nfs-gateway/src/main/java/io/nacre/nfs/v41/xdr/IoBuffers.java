package io.nacre.nfs.v41.xdr;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * Megabyte heap buffers for READ's data and a WRITE's gathered data, reused rather than allocated per
 * request: a fresh megabyte is zeroed first, and on a heap that the GC resized, page-faulted in (in JFR and
 * perf, two thirds of a READ's own time on the host). A buffer is given back only once nothing reads it any
 * more; one never given back is the GC's, as before.
 */
public final class IoBuffers {

    /** The size of every buffer kept (Linux's rsize and wsize, the server's default maxIo). */
    public static final int SIZE = 1 << 20;
    private static final ArrayBlockingQueue<ByteBuffer> FREE = new ArrayBlockingQueue<>(16);
    private static final LongAdder REUSED = new LongAdder();

    private IoBuffers() {
    }

    /** A cleared buffer of at least {@code n} bytes (limit n): a kept one when n fits, else a new one. */
    public static ByteBuffer take(int n) {
        if (n <= SIZE) {
            ByteBuffer b = FREE.poll();
            if (b != null) {
                REUSED.increment();
                return b.clear().limit(n);
            }
            return ByteBuffer.allocate(SIZE).limit(n);
        }
        return ByteBuffer.allocate(n);
    }

    /** Gives back a buffer from {@link #take} that nothing reads or writes any more. */
    public static void give(ByteBuffer b) {
        if (b.capacity() == SIZE && !b.isReadOnly() && b.hasArray()) {
            FREE.offer(b);
        }
    }

    /** How many times a buffer was reused (for tests that check reuse happens). */
    public static long reused() {
        return REUSED.sum();
    }
}
