package io.nacre.nfs.v41.xdr;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.memory.ByteBufferWrapper;

/**
 * Megabyte buffers for READ's data and a WRITE's gathered data, reused rather than allocated per request: a
 * fresh megabyte is zeroed first, and on a heap that the GC resized, page-faulted in (in JFR and perf, two
 * thirds of a READ's own time on the host). A buffer is given back only once nothing reads it any more; one
 * never given back is the GC's, as before.
 *
 * <p>READ's buffers are direct, with room before the data for the reply's record mark and headers and after it
 * for the padding and what follows READ in the compound: the reply is then written as one direct buffer, where
 * a heap one was copied by Grizzly into its thread's direct buffer first (a megabyte per READ) and that buffer
 * allocated again whenever a larger write or a GC's clearing of its soft reference called for it. At most
 * {@link #MAX_READ_BUFFERS} direct buffers exist at once; past them a READ gets a heap buffer, as before. A large
 * RPC record (a WRITE's request) is read from the socket into one of the same buffers ({@link #takeForRecord}),
 * under the same bound; past it, into an array of its own.
 */
public final class IoBuffers {

    /** The size of every buffer kept (Linux's rsize and wsize, the server's default maxIo). */
    public static final int SIZE = 1 << 20;
    /** Bytes before a READ's data in its direct buffer: the record mark, RPC and COMPOUND headers, SEQUENCE, PUTFH. */
    public static final int HEAD_ROOM = 1024;
    /** Bytes after a READ's data: its XDR padding and the results of the operations after READ. */
    public static final int TAIL_ROOM = 1024;
    /** Direct READ buffers that may exist at once (pooled or lent out); {@code nacre.nfs.read.buffers}. */
    static final int MAX_READ_BUFFERS = Integer.getInteger("nacre.nfs.read.buffers", 32);
    private static final int READ_CAPACITY = HEAD_ROOM + SIZE + TAIL_ROOM;

    private static final ArrayBlockingQueue<ByteBuffer> FREE = new ArrayBlockingQueue<>(16);
    private static final ArrayBlockingQueue<ByteBuffer> FREE_READ =
            new ArrayBlockingQueue<>(Math.max(1, MAX_READ_BUFFERS));
    /** Direct READ buffers made and not forgotten (see {@link #forget}). */
    private static final AtomicInteger READ_BUFFERS = new AtomicInteger();
    /** Zeros to copy from (never written). */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10);
    private static final LongAdder REUSED = new LongAdder();
    private static final LongAdder READ_REUSED = new LongAdder();
    private static final LongAdder RECORD_REUSED = new LongAdder();

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

    /**
     * A buffer for {@code n} bytes of READ data, from its position to its limit (n bytes): a pooled direct one
     * with {@link #HEAD_ROOM} before the data and {@link #TAIL_ROOM} after it, or, when n does not fit or
     * every direct buffer is out, a heap one from {@link #take}. Its bytes are not zeroed: the reader fills
     * what it reports.
     */
    public static ByteBuffer takeForRead(int n) {
        if (n <= SIZE) {
            ByteBuffer b = direct(READ_REUSED);
            if (b != null) {
                return b.clear().position(HEAD_ROOM).limit(HEAD_ROOM + n);
            }
        }
        return take(n);
    }

    /**
     * A pooled direct buffer for an RPC record of {@code n} bytes (a WRITE's, read straight from the socket into
     * it), cleared with its limit at n: one of the READ buffers, which it shares the bound with; null when n does
     * not fit or every direct buffer is out.
     */
    public static ByteBuffer takeForRecord(int n) {
        if (n > READ_CAPACITY) {
            return null;
        }
        ByteBuffer b = direct(RECORD_REUSED);
        return b == null ? null : b.clear().limit(n);
    }

    /** A pooled direct buffer ({@code reused} counts it), or a new one while the bound allows; else null. */
    private static ByteBuffer direct(LongAdder reused) {
        ByteBuffer b = FREE_READ.poll();
        if (b != null) {
            reused.increment();
            return b;
        }
        if (READ_BUFFERS.incrementAndGet() <= MAX_READ_BUFFERS) {
            return ByteBuffer.allocateDirect(READ_CAPACITY);
        }
        READ_BUFFERS.decrementAndGet();
        return null;
    }

    /** Whether {@code b} is (a view of the whole of) a direct READ buffer of {@link #takeForRead}. */
    public static boolean isReadBuffer(ByteBuffer b) {
        return b.isDirect() && b.capacity() == READ_CAPACITY && !b.isReadOnly();
    }

    /** Gives back a buffer from {@link #take} or {@link #takeForRead} that nothing reads or writes any more. */
    public static void give(ByteBuffer b) {
        if (isReadBuffer(b)) {
            if (!FREE_READ.offer(b)) {
                READ_BUFFERS.decrementAndGet();
            }
        } else if (b.capacity() == SIZE && !b.isReadOnly() && b.hasArray()) {
            FREE.offer(b);
        }
    }

    /**
     * Gives up a buffer from {@link #takeForRead} that something may still write into (a remote read that failed
     * may finish later): it is never reused, the GC frees it, and another direct buffer may be made instead.
     */
    public static void forget(ByteBuffer b) {
        if (isReadBuffer(b)) {
            READ_BUFFERS.decrementAndGet();
        }
    }

    /** Puts {@code n} zero bytes into {@code b} (a reused buffer's bytes are not zeroed). */
    public static void putZeros(ByteBuffer b, int n) {
        for (int left = n; left > 0; ) {
            int k = Math.min(left, ZEROS.capacity());
            b.put(ZEROS.duplicate().limit(k));
            left -= k;
        }
    }

    /**
     * {@code view} (a view of {@code whole}) as a Grizzly buffer that gives {@code whole} back when Grizzly
     * disposes it: after the write of the reply that carries it completed or failed. Once, however often it is
     * disposed.
     */
    public static Buffer lentToGrizzly(ByteBuffer view, ByteBuffer whole) {
        return new GivenBackWhenDisposed(view, whole);
    }

    /** How many times a heap buffer was reused (for tests that check reuse happens). */
    public static long reused() {
        return REUSED.sum();
    }

    /** How many times a direct READ buffer was reused (for tests that check reuse happens). */
    public static long readReused() {
        return READ_REUSED.sum();
    }

    /** How many times a direct buffer was reused for an RPC record (for tests that check reuse happens). */
    public static long recordReused() {
        return RECORD_REUSED.sum();
    }

    /** Direct READ buffers that exist now, pooled or lent out (tests). */
    static int readBuffers() {
        return READ_BUFFERS.get();
    }

    /**
     * Direct READ buffers lent out now: taken by a READ and not yet given back or forgotten (0 when every reply
     * was written). One that stays lent lowers the pool for good (a leak), which only this shows: READs then
     * fall back to heap buffers silently. Read without a lock, so a READ taking or giving one meanwhile may be
     * counted or not; never negative.
     */
    public static int readBuffersLent() {
        return Math.max(0, READ_BUFFERS.get() - FREE_READ.size());
    }

    /** The most direct READ buffers that may exist at once ({@code nacre.nfs.read.buffers}, 32 by default). */
    public static int readBuffersMax() {
        return MAX_READ_BUFFERS;
    }

    private static final class GivenBackWhenDisposed extends ByteBufferWrapper {
        private final ByteBuffer whole;
        private final AtomicBoolean given = new AtomicBoolean();

        GivenBackWhenDisposed(ByteBuffer view, ByteBuffer whole) {
            super(view);
            this.whole = whole;
            allowBufferDispose(true);
        }

        @Override
        public void dispose() {
            super.dispose();
            if (given.compareAndSet(false, true)) {
                give(whole);
            }
        }
    }
}
