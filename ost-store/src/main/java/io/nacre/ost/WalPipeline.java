package io.nacre.ost;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups of an OST's WAL between forming and acknowledgement: a group formed under the commit lock
 * (records numbered and placed on a stream) is {@link #register registered}, flushed by its caller or by
 * whoever needs its stream first (outside the lock, so the flushes of several streams overlap), then
 * published into the {@link Overlay} strictly in the order the groups were formed, and only then are its
 * callers told. So at any crash the acknowledged records are a prefix of the sequence. A flush that fails,
 * or a failed group that cannot be undone in the WAL, breaks the pipeline: no more writes until reopened.
 */
final class WalPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(WalPipeline.class);

    /** A group formed under the commit lock: flushed by its caller (or whoever needs it first), then published in order. */
    static final class Pending {
        final Wal.Flush flush;
        final Overlay.Group group;
        final AtomicBoolean flushStarted = new AtomicBoolean();
        final CompletableFuture<Void> flushed = new CompletableFuture<>();
        CompletableFuture<Void> published;

        private Pending(Wal.Flush flush, Overlay.Group group) {
            this.flush = flush;
            this.group = group;
        }
    }

    private final String name;
    private final Wal wal;
    private final Overlay overlay;
    private final String afterCommitFault;
    /** Told the number of changes of every group published (the OST's group-commit counters). */
    private final IntConsumer committed;
    /** Groups formed (records written, sequence numbers taken) whose flush may not have started; commit lock to add. */
    private final ConcurrentLinkedQueue<Pending> formed = new ConcurrentLinkedQueue<>();
    /** Completes when the last group formed has been published (commit lock). */
    private CompletableFuture<Void> lastPublished = CompletableFuture.completedFuture(null);
    /** Set when a failed group could not be undone in the WAL, or a flush failed: no more writes until reopened. */
    private volatile RuntimeException broken;

    WalPipeline(String name, Wal wal, Overlay overlay, String afterCommitFault, IntConsumer committed) {
        this.name = name;
        this.wal = wal;
        this.overlay = overlay;
        this.afterCommitFault = afterCommitFault;
        this.committed = committed;
    }

    /** What broke the pipeline, or null. */
    RuntimeException broken() {
        return broken;
    }

    /** An idle WAL stream, begun; while every stream is busy, flushes a formed group whose flush has not started. */
    Wal.Stream takeStream() {
        Wal.Stream st = wal.pollIdle();
        while (st == null) {
            flushFormed();
            st = wal.awaitIdle(10);
        }
        wal.begin(st);
        return st;
    }

    /** Flushes every formed group whose flush has not started (so that its stream comes back). */
    void flushFormed() {
        for (Pending p : formed) {
            flush(p);
        }
    }

    /**
     * Enters a formed group (commit lock held): its images are visible to later groups at once, to readers
     * once it and every group before it are flushed. {@code done} completes after that.
     */
    Pending register(Wal.Flush f, Overlay.Group g, List<CompletableFuture<Void>> done) {
        Pending p = new Pending(f, g);
        overlay.formed(g);
        p.published = lastPublished.thenCombine(p.flushed, (a, b) -> {
            overlay.publish(g);
            return null;
        });
        lastPublished = p.published;
        formed.add(p);
        p.published.whenComplete((v, t) -> {
            formed.remove(p);
            overlay.settled(g);
            if (t == null) {
                committed.accept(done.size());
                try {
                    Faults.hit(afterCommitFault);
                } catch (RuntimeException e) {
                    done.forEach(d -> d.completeExceptionally(e));
                    return;
                }
                done.forEach(d -> d.complete(null));
            } else {
                Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                done.forEach(d -> d.completeExceptionally(cause));
            }
        });
        return p;
    }

    /** Flushes a formed group unless someone already started to (any thread, no lock). */
    void flush(Pending p) {
        if (!p.flushStarted.compareAndSet(false, true)) {
            return;
        }
        try {
            wal.force(p.flush);
            p.flushed.complete(null);
        } catch (RuntimeException | Error e) {
            // The records may or may not be on disk now, and later groups were built on them: stop writing.
            LOG.error("{}: a WAL flush failed; refusing writes until reopened", name, e);
            broken = e instanceof RuntimeException r ? r : new NacreException(Status.IO, name + ": WAL flush failed", e);
            p.flushed.completeExceptionally(e);
        }
    }

    /** Flushes and publishes every group formed so far (commit lock held); a failed flush is left to its callers. */
    void drain() {
        flushFormed();
        try {
            lastPublished.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            LOG.debug("{}: a group in flight failed: {}", name, e.toString());
        }
    }

    /** Undoes the failed group's records; if even that fails, the OST takes no more writes until reopened. */
    RuntimeException rollBack(Wal.Stream st, RuntimeException cause) {
        if (st == null) {
            return cause;
        }
        try {
            wal.rollback(st);
        } catch (RuntimeException e) {
            LOG.error("{}: cannot undo a failed group in the WAL; refusing writes until reopened", name, e);
            broken = e;
            cause.addSuppressed(e);
        }
        return cause;
    }
}
