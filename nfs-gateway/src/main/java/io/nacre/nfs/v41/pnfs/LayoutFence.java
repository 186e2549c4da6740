package io.nacre.nfs.v41.pnfs;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * Layouts the metadata server revoked, as data servers must know them (RFC 8881 §12.5.5: after a
 * revocation, I/O with the old layout must fail): every data-server handle carries the grant (the
 * layout state) it was made for, and a data server refuses handles of revoked grants with
 * NFS4ERR_PNFS_NO_LAYOUT, on which clients drop the layout and go back to the MDS. Revocations are
 * rare (a client that did not return a recalled layout in time), so they are kept for the life of the
 * server. Shared by reference between the metadata server and the data servers of one process; data
 * servers in other processes hear of revocations through {@link #onRevoke} listeners (the OSS protocol).
 *
 * <p>A data server in another process knows revocations only as of the last time its metadata server
 * told it all of them ({@link #confirm}). Such a fence ({@link #confirmedWithin}) is current only that long
 * after: a data server that hung (stopped, partitioned) while the metadata server revoked a layout and could
 * not reach it must not serve the queued requests of that layout once it runs again, so it answers
 * NFS4ERR_DELAY until it has heard from the metadata server. The metadata server gives up reaching a data
 * server only after it failed to answer for longer than that bound, so such a data server is never current.
 */
public final class LayoutFence {

    private final Set<Long> revoked = ConcurrentHashMap.newKeySet();
    private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
    /** 0: always current (the metadata server is in this process). */
    private final long boundNanos;
    private volatile long confirmedAt;
    private volatile boolean confirmed;

    /** The fence of a metadata server and the data servers of its own process: always current. */
    public LayoutFence() {
        this.boundNanos = 0;
    }

    private LayoutFence(Duration bound) {
        if (bound.isZero() || bound.isNegative()) {
            throw new IllegalArgumentException("the bound must be positive: " + bound);
        }
        this.boundNanos = bound.toNanos();
    }

    /**
     * The fence of a data server in another process than its metadata server: current for {@code bound}
     * after each {@link #confirm}, never before the first.
     */
    public static LayoutFence confirmedWithin(Duration bound) {
        return new LayoutFence(requireNonNull(bound, "bound"));
    }

    /**
     * The metadata server told every revocation as of {@code atNanos} ({@link System#nanoTime}, taken before
     * it was asked).
     */
    public void confirm(long atNanos) {
        synchronized (this) {
            if (!confirmed || atNanos - confirmedAt > 0) {
                confirmedAt = atNanos;
                confirmed = true;
            }
        }
    }

    /** True when the revocations known here may be relied on (see the class comment). */
    public boolean isCurrent() {
        return boundNanos == 0 || confirmed && System.nanoTime() - confirmedAt <= boundNanos;
    }

    /** Refuses the grant from now on; returns once every listener has passed it on (they may throw). */
    public void revoke(long grant) {
        revoked.add(grant);
        for (LongConsumer l : listeners) {
            l.accept(grant);
        }
    }

    public boolean isRevoked(long grant) {
        return revoked.contains(grant);
    }

    /** Every grant revoked so far (for a data server that joins later). */
    public Set<Long> revoked() {
        return Set.copyOf(revoked);
    }

    /** Called with each grant {@link #revoke}d from now on, in the revoking thread. */
    public void onRevoke(LongConsumer listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }
}
