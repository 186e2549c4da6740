package io.nacre.engine.io;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.Durability;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;

/**
 * A sequential write stream. Incoming bytes are copied straight into the per-object buffers of the
 * current window (so a window costs its size once per mirror); a full window is written in the
 * background, every object side by side, while the next one fills. A semaphore of bytes bounds what is
 * in flight. A STABLE stream writes unstable and syncs every object once at close.
 */
final class StreamWriter implements FileIo.Writer {

    private final FileIo io;
    private final Fid fid;
    private final Durability durability;
    private final int windowTarget;
    private final int maxInFlight;
    private final Semaphore inFlight;
    /** The stream registers itself; each window in flight registers too. */
    private final Phaser flushes = new Phaser(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Objects written, with the OST instance of their first write (for the sync at close). */
    private final Map<ObjectRef, Long> written = new ConcurrentHashMap<>();

    private Layout layout;
    private long position;
    private long end;
    private boolean submittedAny;
    private boolean closed;

    // The window being filled.
    private IoPlan plan;
    private ByteBuffer[] bufs;
    private int filled;

    StreamWriter(FileIo io, Fid fid, long offset, Durability durability, int window, long maxInFlight) {
        this.io = io;
        this.fid = fid;
        this.position = offset;
        this.end = offset;
        this.durability = durability;
        this.windowTarget = window;
        this.maxInFlight = (int) maxInFlight;
        this.inFlight = new Semaphore(this.maxInFlight);
    }

    @Override
    public int write(ByteBuffer src) {
        ensureOpen();
        throwIfFailed();
        try {
            return copy(src);
        } catch (RuntimeException e) {
            // A stream that failed once never closes as if it had not (an S3 PUT must not commit half an object).
            fail(e);
            throw e;
        }
    }

    private int copy(ByteBuffer src) {
        int n = src.remaining();
        if (position > Long.MAX_VALUE - n) {
            throw new NacreException(Status.TOO_BIG, "the stream would pass the largest file size");
        }
        while (src.hasRemaining()) {
            if (plan == null) {
                startWindow();
            }
            int k = Math.min(src.remaining(), plan.length() - filled);
            ByteBuffer part = src.slice(src.position(), k);
            plan.copyIn(filled, part, bufs, null);
            src.position(src.position() + k);
            filled += k;
            position += k;
            if (filled == plan.length()) {
                submitWindow();
            }
        }
        return n;
    }

    private void startWindow() {
        io.ensureOpen();
        io.performFence(fid);
        if (layout == null || layout.isEmpty()) {
            layout = io.writableLayout(fid, layout, position, windowTarget);
        }
        int len = (int) (IoPlan.windowEnd(layout, position, windowTarget) - position);
        layout = io.writableLayout(fid, layout, position, len);
        IoPlan p = io.writePlan(fid, layout, position, len);
        if (p.bufferBytes() > maxInFlight) {
            throw new NacreException(Status.INVALID, "a window of " + len + " bytes needs " + p.bufferBytes()
                    + " bytes of buffers (mirrors), more than the " + maxInFlight + " allowed in flight");
        }
        plan = p;
        bufs = p.allocate();
        filled = 0;
    }

    /** Hands the current window (its first {@code filled} bytes) to a virtual thread. */
    private void submitWindow() {
        IoPlan p = plan;
        ByteBuffer[] b = bufs;
        int valid = filled;
        plan = null;
        bufs = null;
        filled = 0;
        if (valid == 0) {
            return;
        }
        int permits = (int) p.bufferBytes();
        try {
            inFlight.acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(new NacreException(Status.IO, "interrupted while writing " + fid, e));
            throw failed();
        }
        long windowEnd = p.offset() + valid;
        end = Math.max(end, windowEnd);
        submittedAny = true;
        flushes.register();
        io.threads().execute(() -> {
            try {
                // Unstable even for a STABLE stream: close() syncs each object once.
                store(p, b, valid, Durability.UNSTABLE, windowEnd);
            } catch (Throwable t) {
                fail(t);
            } finally {
                inFlight.release(permits);
                flushes.arriveAndDeregister();
            }
        });
    }

    /** Writes a window (under the file's read lock, as every write) and notes what it wrote. */
    private void store(IoPlan p, ByteBuffer[] b, int valid, Durability d, long windowEnd) {
        Map<ObjectRef, Long> w = new ConcurrentHashMap<>();
        Lock lock = io.readLock(fid);
        lock.lock();
        try {
            io.store(fid, p, b, valid, d, w);
            if (durability == Durability.UNSTABLE) {
                io.wroteUnstable(fid, w, windowEnd);
            }
        } finally {
            lock.unlock();
        }
        w.forEach(written::putIfAbsent);
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            finish();
        } finally {
            io.streamClosed(fid);
        }
    }

    private void finish() {
        boolean onlyWindow = !submittedAny && plan != null && failure.get() == null;
        try {
            if (onlyWindow) {
                // All of the stream fits one window: write it stable at once, no sync round needed.
                IoPlan p = plan;
                int valid = filled;
                plan = null;
                if (valid > 0) {
                    store(p, bufs, valid, durability, p.offset() + valid);
                    if (durability == Durability.STABLE) {
                        io.recordStable(fid, written, p.offset() + valid, false);
                    }
                }
                bufs = null;
                return;
            }
            if (plan != null && failure.get() == null) {
                submitWindow();
            }
        } catch (RuntimeException e) {
            fail(e);
        } finally {
            plan = null;
            bufs = null;
            flushes.arriveAndAwaitAdvance();
        }
        throwIfFailed();
        if (durability == Durability.STABLE && submittedAny) {
            io.recordStable(fid, written, end, true);
        }
    }

    private void fail(Throwable t) {
        Throwable first = failure.get();
        if (first == t || (first != null && t.getCause() == first)) {
            return;     // the same failure, reported again
        }
        if (!failure.compareAndSet(null, t)) {
            failure.get().addSuppressed(t);
        }
    }

    private void throwIfFailed() {
        if (failure.get() != null) {
            throw failed();
        }
    }

    /** The stream's failure, as a new exception (this thread's stack) with the same status. */
    private NacreException failed() {
        Throwable t = failure.get();
        NacreException ne = NacreException.from(t);
        return new NacreException(ne.status(), "an earlier write of the stream to " + fid + " failed: "
                + ne.getMessage(), t);
    }

    private void ensureOpen() {
        if (closed) {
            throw new NacreException(Status.INVALID, "the write stream to " + fid + " is closed");
        }
    }
}
