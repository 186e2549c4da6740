package io.nacre.s3.ops;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The direct buffers one GET reads its chunks into, used again chunk after chunk. A chunk as large as
 * Netty's pool chunk (4 MiB) takes a whole pool chunk, which the pool frees when the buffer is released
 * and allocates (and zeroes) anew for the next: a GET of 1 GiB zeroed 1 GiB of fresh memory on the way.
 * Here a chunk goes to the connection in a wrapper whose release hands the buffer back to this GET;
 * once the GET is over, buffers are released to the pool as they come back.
 */
final class ChunkBuffers implements AutoCloseable {

    private final ByteBufAllocator pool;
    private final int size;
    private final int keep;
    private final Deque<ByteBuf> free = new ArrayDeque<>();
    private boolean closed;

    /** Buffers of {@code size} bytes from a pool; at most {@code keep} of them wait to be used again. */
    ChunkBuffers(ByteBufAllocator pool, int size, int keep) {
        this.pool = pool;
        this.size = size;
        this.keep = keep;
    }

    /**
     * A buffer of at least {@code want} (at most the size given) bytes, empty, that goes back to this
     * GET when released; a new one from the pool when none is free (never waits).
     */
    ByteBuf take(int want) {
        if (want > size) {
            throw new IllegalArgumentException("chunk of " + want + " bytes in buffers of " + size);
        }
        ByteBuf owned;
        synchronized (this) {
            owned = free.poll();
        }
        if (owned == null) {
            owned = pool.directBuffer(size, size);
        }
        return new Lent(owned);
    }

    /** A buffer back from the connection (or from a read that was not sent). */
    private void giveBack(ByteBuf owned) {
        synchronized (this) {
            if (!closed && free.size() < keep) {
                free.push(owned);
                return;
            }
        }
        owned.release();
    }

    /** The GET is over: free buffers go to the pool now, lent ones when they come back. */
    @Override
    public void close() {
        Deque<ByteBuf> drop;
        synchronized (this) {
            closed = true;
            drop = new ArrayDeque<>(free);
            free.clear();
        }
        drop.forEach(ByteBuf::release);
    }

    /** A pooled buffer's memory lent out under its own reference count, given back when that reaches 0. */
    private final class Lent extends UnpooledDirectByteBuf {
        private final ByteBuf owned;

        Lent(ByteBuf owned) {
            super(pool, owned.nioBuffer(0, owned.capacity()), owned.capacity());
            this.owned = owned;
            clear();
        }

        @Override
        protected void deallocate() {
            super.deallocate(); // a wrapped buffer: frees nothing
            giveBack(owned);
        }
    }
}
