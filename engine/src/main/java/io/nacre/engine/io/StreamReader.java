package io.nacre.engine.io;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Layout;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Lock;

/**
 * A sequential read of a range. Each window is read from every object side by side into per-object
 * buffers, which the consumer then copies out of; up to {@code readAhead} further windows are being
 * fetched meanwhile. Memory: at most 1 + readAhead windows.
 */
final class StreamReader implements FileIo.Reader {

    /** A window read from the objects: the plan and its target buffers. */
    private record Window(IoPlan plan, ByteBuffer[] bufs) {
    }

    private final FileIo io;
    private final Fid fid;
    private final long end;
    private final int windowTarget;
    private final int readAhead;
    private final Deque<CompletableFuture<Window>> ahead = new ArrayDeque<>();

    private long position;
    /** Where the next window to fetch starts. */
    private long fetchFrom;
    /** The layout read at the first fetch: where windows end (stripe rows). */
    private Layout geometry;
    private Window current;
    private int consumed;
    private boolean closed;
    /** Set when a window failed: the stream cannot go on past bytes it did not deliver. */
    private NacreException failure;

    StreamReader(FileIo io, Fid fid, long offset, long end, int window, int readAhead) {
        this.io = io;
        this.fid = fid;
        this.position = offset;
        this.fetchFrom = offset;
        this.end = end;
        this.windowTarget = window;
        this.readAhead = readAhead;
    }

    @Override
    public int read(ByteBuffer dst) {
        if (closed) {
            throw new NacreException(Status.INVALID, "the read stream of " + fid + " is closed");
        }
        if (failure != null) {
            throw new NacreException(failure.status(), failure.getMessage(), failure);
        }
        if (position >= end) {
            return -1;
        }
        int total = 0;
        while (dst.hasRemaining() && position < end) {
            if (current == null || consumed == current.plan().length()) {
                try {
                    current = next();
                } catch (NacreException e) {
                    failure = e;
                    throw e;
                }
                consumed = 0;
            }
            int k = Math.min(dst.remaining(), current.plan().length() - consumed);
            current.plan().copyOut(consumed, dst.slice(dst.position(), k), current.bufs(), null);
            dst.position(dst.position() + k);
            consumed += k;
            position += k;
            total += k;
        }
        if (current != null && consumed == current.plan().length()) {
            current = null;     // let it go before waiting for the next one
        }
        return total;
    }

    /** The next window: waits for the oldest fetch and keeps readAhead more going. */
    private Window next() {
        if (ahead.isEmpty()) {
            ahead.add(fetch());
        }
        CompletableFuture<Window> f = ahead.poll();
        while (ahead.size() < readAhead && fetchFrom < end) {
            ahead.add(fetch());
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.IO, "interrupted while reading " + fid, e);
        } catch (ExecutionException e) {
            NacreException ne = NacreException.from(e.getCause());
            throw new NacreException(ne.status(), "reading " + fid + ": " + ne.getMessage(), e.getCause());
        }
    }

    private CompletableFuture<Window> fetch() {
        if (geometry == null) {
            geometry = io.mds().layout(fid);
        }
        long from = fetchFrom;
        int len = (int) (Math.min(end, IoPlan.windowEnd(geometry, from, windowTarget)) - from);
        fetchFrom = from + len;
        return CompletableFuture.supplyAsync(() -> {
            Lock lock = io.readLock(fid);
            lock.lock();
            try {
                // The layout is read again for every window: it may have gained objects or been released.
                IoPlan plan = io.readPlan(fid, io.mds().layout(fid), from, len);
                ByteBuffer[] bufs = plan.allocate();
                io.fetch(fid, plan, bufs, null);
                return new Window(plan, bufs);
            } finally {
                lock.unlock();
            }
        }, io.threads());
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long end() {
        return end;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        current = null;
        // Fetches under way finish on their own; nobody waits for them and their buffers go with them.
        ahead.forEach(f -> f.cancel(false));
        ahead.clear();
    }
}
